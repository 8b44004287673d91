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
  MEDIA_INSTANCE_ID: z.string().default('0'), // stable per instance: its transactional id fences a crashed predecessor
  MEDIA_HTTP_PORT: port(18084), // agents' media, public attachments, health and metrics; 0 picks a free port
  MEDIA_HTTP_HOST: z.string().default('127.0.0.1'), // bind address; put a reverse proxy in front for public URLs
  MEDIA_PUBLIC_BASE_URL: z.string().url().optional(), // base of public attachment URLs; default: this server's own URL
  MEDIA_STORE_DIR: z.string().default(resolve(REPO_ROOT, '.infra/media')), // the content-addressed store and public files
  MEDIA_MAX_BYTES: positiveInt(16 * 1024 * 1024), // largest file downloaded or uploaded: 16 MiB (WhatsApp's media limit)
  MEDIA_CONNECT_TIMEOUT_MS: positiveInt(5_000), // to open a connection to the media host
  MEDIA_READ_TIMEOUT_MS: positiveInt(15_000), // longest silence while waiting for or reading the answer
  MEDIA_MAX_REDIRECTS: z.coerce.number().int().min(0).max(10).default(3), // each redirect is SSRF-checked again
  MEDIA_RETRY_ATTEMPTS: positiveInt(4), // attempts in all for network errors, timeouts and 5xx (never 4xx)
  MEDIA_RETRY_BASE_MS: positiveInt(500), // backoff before retry n: base * 2^(n-1), capped by MEDIA_RETRY_MAX_MS
  MEDIA_RETRY_MAX_MS: positiveInt(5_000),
  MEDIA_ALLOWED_HOSTS: csv, // hosts fetched even on private/loopback addresses (operator decision); none by default
  MEDIA_ALLOWED_TYPES: csv.transform((v) => (v.length ? v : DEFAULT_ALLOWED_TYPES)), // sniffed types stored; default: images, PDF, audio, MP4/3GP video
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

export type MediaConfig = z.infer<typeof mediaConfigSchema>;

export const loadMediaConfig = (env: NodeJS.ProcessEnv = process.env): MediaConfig =>
  loadConfig(mediaConfigSchema, env);
