import { resolve } from 'node:path';
import { z } from 'zod';
import {
  bool,
  connectionSchema,
  consumerHealthSchema,
  csv,
  loadConfig,
  port,
  positiveInt,
} from '@cpm/platform';
import { DEFAULT_ALLOWED_TYPES } from './content-sniffer';

const REPO_ROOT = resolve(__dirname, '../../..');

export const mediaConfigSchema = connectionSchema.merge(consumerHealthSchema).extend({
  MEDIA_HTTP_PORT: port(18084), // agents' media, public attachments, health and metrics; 0 picks a free port
  MEDIA_HTTP_HOST: z.string().default('127.0.0.1'), // bind address; put a reverse proxy in front for public URLs
  MEDIA_PUBLIC_BASE_URL: z.string().url().optional(), // base of public attachment URLs; default: this server's own URL
  MEDIA_STORE: z.enum(['postgres', 's3', 'fs']).default('postgres'), // where media lives: PostgreSQL (DATABASE_URL, schema media), an S3-compatible bucket, or a local directory (one instance only)
  MEDIA_PG_CHUNK_BYTES: positiveInt(256 * 1024), // postgres: bytes per stored chunk (one row; a reader holds one at a time)
  MEDIA_S3_BUCKET: z.string().optional(), // s3: the bucket (it must exist); required with MEDIA_STORE=s3
  MEDIA_S3_ENDPOINT: z.string().url().optional(), // s3: e.g. https://s3.eu-central-1.amazonaws.com or a MinIO URL; required with MEDIA_STORE=s3
  MEDIA_S3_REGION: z.string().default('us-east-1'), // s3: the region requests are signed for
  MEDIA_S3_ACCESS_KEY_ID: z.string().optional(), // s3: required with MEDIA_STORE=s3
  MEDIA_S3_SECRET_ACCESS_KEY: z.string().optional(), // s3: required with MEDIA_STORE=s3
  MEDIA_S3_FORCE_PATH_STYLE: bool(false), // s3: <endpoint>/<bucket>/<key> URLs instead of <bucket>.<endpoint> (most self-hosted servers)
  MEDIA_S3_PREFIX: z
    .string()
    .regex(/^([A-Za-z0-9._-]+\/)*$/, 'MEDIA_S3_PREFIX: empty, or path segments each ending in /')
    .default(''), // s3: prefix of every object key, to share a bucket
  MEDIA_STORE_DIR: z.string().default(resolve(REPO_ROOT, '.infra/media')), // fs: the directory of the store
  MEDIA_MAX_BYTES: positiveInt(16 * 1024 * 1024), // largest file downloaded or uploaded: 16 MiB (WhatsApp's media limit)
  MEDIA_CONNECT_TIMEOUT_MS: positiveInt(5_000), // to open a connection to the media host
  MEDIA_READ_TIMEOUT_MS: positiveInt(15_000), // longest silence while waiting for or reading the answer
  MEDIA_MAX_REDIRECTS: z.coerce.number().int().min(0).max(10).default(3), // each redirect is SSRF-checked again
  MEDIA_RETRY_ATTEMPTS: positiveInt(4), // attempts in all for network errors, timeouts and 5xx (never 4xx)
  MEDIA_RETRY_BASE_MS: positiveInt(500), // backoff before retry n: base * 2^(n-1), capped by MEDIA_RETRY_MAX_MS
  MEDIA_RETRY_MAX_MS: positiveInt(5_000),
  MEDIA_ALLOWED_HOSTS: csv, // hosts fetched even on private/loopback addresses (operator decision); none by default
  MEDIA_ALLOWED_TYPES: csv.transform((v) => (v.length ? v : DEFAULT_ALLOWED_TYPES)), // sniffed types stored; default: images, PDF, Office Open XML (no macros), text, CSV, vCard, audio, MP4/3GP video
  MEDIA_AGENT_TOKEN: z
    .string()
    .min(16, 'MEDIA_AGENT_TOKEN: set a bearer token of at least 16 characters for agents'), // no default: required
  MEDIA_URL_SECRET: z
    .string()
    .min(32, 'MEDIA_URL_SECRET: set an HMAC secret of at least 32 characters'), // no default: required
  MEDIA_PUBLIC_RETENTION_SECONDS: positiveInt(7 * 24 * 3600), // Contact Pro's "Retention Time for Public Attachments": 7 days
  MEDIA_SWEEP_INTERVAL_MS: positiveInt(60_000), // how often expired public files are deleted
  MEDIA_HANDLED_CAPACITY: positiveInt(1024), // attachment ids remembered per customer so duplicates download nothing
  MEDIA_REPLAY: bool(false), // replaying the log: download nothing, produce nothing
});

const S3_REQUIRED = [
  'MEDIA_S3_BUCKET',
  'MEDIA_S3_ENDPOINT',
  'MEDIA_S3_ACCESS_KEY_ID',
  'MEDIA_S3_SECRET_ACCESS_KEY',
] as const;

/** The settings, with those that MEDIA_STORE=s3 needs checked to be there. */
const checkedSchema = mediaConfigSchema.superRefine((config, ctx) => {
  if (config.MEDIA_STORE !== 's3') return;
  for (const name of S3_REQUIRED)
    if (!config[name])
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: [name],
        message: `${name}: required with MEDIA_STORE=s3 (bucket, endpoint and credentials)`,
      });
});

export type MediaConfig = z.infer<typeof mediaConfigSchema>;

export const loadMediaConfig = (env: NodeJS.ProcessEnv = process.env): MediaConfig =>
  loadConfig(checkedSchema, env);
