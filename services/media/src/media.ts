import express from 'express';
import {
  changelogSpec,
  consumerHealthSettings,
  createKafka,
  ensureTopics,
  SchemaCodec,
  TransactionalProcessor,
} from '@cpm/kafka';
import {
  createLogger,
  createMetrics,
  listen,
  opsRoutes,
  processName,
  type Logger,
} from '@cpm/platform';
import { createPool, migrate, retryTransient } from '@cpm/postgres';
import { AddressGuard, type Lookup } from './address-guard';
import type { BlobStore } from './blob-store';
import type { MediaConfig } from './config';
import { MagicBytesSniffer, type ContentSniffer } from './content-sniffer';
import { FsBlobStore } from './fs-blob-store';
import { MediaDownloader } from './media-downloader';
import { initialMediaState, mediaHandler } from './media-handler';
import { mediaRoutes } from './media-http';
import { PgBlobStore } from './pg-blob-store';
import { PublicAttachments } from './public-attachments';
import { S3BlobStore } from './s3-blob-store';
import { UrlSigner } from './url-signer';

export interface MediaService {
  url: string;
  store: BlobStore;
  /** Deletes expired public attachments now (the sweeper also runs every MEDIA_SWEEP_INTERVAL_MS). */
  sweep(): Promise<number>;
  stop(): Promise<void>;
}

/** Seams for tests and instrumentation; production uses the defaults. */
export interface MediaDeps {
  logger?: Logger;
  sniffer?: ContentSniffer;
  lookup?: Lookup;
  onConnect?: (address: string, url: string) => void;
  now?: () => number;
}

/**
 * The store MEDIA_STORE names. PostgreSQL: the migrations run first (as at the projector's
 * start, retried while PostgreSQL is unreachable), so the media tables exist whichever
 * service starts first.
 */
export async function openBlobStore(config: MediaConfig, logger: Logger): Promise<BlobStore> {
  switch (config.MEDIA_STORE) {
    case 'fs':
      return new FsBlobStore(config.MEDIA_STORE_DIR);
    case 's3':
      return new S3BlobStore({
        bucket: config.MEDIA_S3_BUCKET!,
        endpoint: config.MEDIA_S3_ENDPOINT!,
        region: config.MEDIA_S3_REGION,
        accessKeyId: config.MEDIA_S3_ACCESS_KEY_ID!,
        secretAccessKey: config.MEDIA_S3_SECRET_ACCESS_KEY!,
        forcePathStyle: config.MEDIA_S3_FORCE_PATH_STYLE,
        prefix: config.MEDIA_S3_PREFIX,
      });
    case 'postgres': {
      await retryTransient('media store migrations', () => migrate(config.DATABASE_URL), {
        waitMs: config.POSTGRES_WAIT_MS,
        logger,
      });
      const pool = createPool(config.DATABASE_URL);
      pool.on('error', (error) => logger.warn({ err: error }, 'idle PostgreSQL connection lost')); // the pool reconnects; a request in flight fails
      return new PgBlobStore(pool, config.MEDIA_PG_CHUNK_BYTES);
    }
  }
}

export async function startMedia(config: MediaConfig, deps: MediaDeps = {}): Promise<MediaService> {
  const logger = deps.logger ?? createLogger('media', config.LOG_LEVEL);
  const now = deps.now ?? Date.now;
  const sniffer = deps.sniffer ?? new MagicBytesSniffer();
  const metrics = createMetrics('media');
  const store = await openBlobStore(config, logger);
  const publicFiles = new PublicAttachments(store, {
    sniffer,
    allowedTypes: config.MEDIA_ALLOWED_TYPES,
    maxBytes: config.MEDIA_MAX_BYTES,
    retentionMs: config.MEDIA_PUBLIC_RETENTION_SECONDS * 1000,
  });
  const signer = new UrlSigner(config.MEDIA_URL_SECRET);
  const downloader = new MediaDownloader({
    guard: new AddressGuard(config.MEDIA_ALLOWED_HOSTS, deps.lookup),
    store,
    sniffer,
    allowedTypes: config.MEDIA_ALLOWED_TYPES,
    maxBytes: config.MEDIA_MAX_BYTES,
    maxRedirects: config.MEDIA_MAX_REDIRECTS,
    connectTimeoutMs: config.MEDIA_CONNECT_TIMEOUT_MS,
    readTimeoutMs: config.MEDIA_READ_TIMEOUT_MS,
    attempts: config.MEDIA_RETRY_ATTEMPTS,
    backoffBaseMs: config.MEDIA_RETRY_BASE_MS,
    backoffMaxMs: config.MEDIA_RETRY_MAX_MS,
    onConnect: deps.onConnect,
  });

  const kafka = createKafka(config.KAFKA_BROKERS, `media-${processName()}`, logger);
  await ensureTopics(kafka, config.TOPIC_NAMESPACE, config.TOPIC_PARTITIONS);
  await ensureTopics(kafka, config.TOPIC_NAMESPACE, config.TOPIC_PARTITIONS, [
    changelogSpec('media'),
  ]);
  const codec = SchemaCodec.connect(config.SCHEMA_REGISTRY_URL, config.TOPIC_NAMESPACE);
  await codec.register([
    'conversation.events.v1',
    'conversation.media.v1',
    'conversation.media.v1.dlq',
  ]);
  const processor = new TransactionalProcessor({
    name: 'media',
    kafka,
    codec,
    namespace: config.TOPIC_NAMESPACE,
    inputs: ['conversation.events.v1'],
    dlqTopic: 'conversation.media.v1.dlq',
    initialState: initialMediaState,
    handle: mediaHandler({
      download: async (url) => {
        const outcome = await downloader.download(url);
        if (outcome.status === 'FAILED')
          logger.warn(
            { reason: outcome.reason, attempts: outcome.attempts, err: outcome.message },
            'media download failed',
          );
        return outcome;
      },
      handledCapacity: config.MEDIA_HANDLED_CAPACITY,
      replay: config.MEDIA_REPLAY,
      metrics,
    }),
    logger,
    metrics,
    health: consumerHealthSettings(config),
  });
  await processor.start();

  let baseUrl = '';
  const app = express();
  app.use(opsRoutes(metrics.registry, async () => processor.health.check()));
  app.use(
    mediaRoutes({
      store,
      publicFiles,
      signer,
      agentToken: config.MEDIA_AGENT_TOKEN,
      publicBaseUrl: () => config.MEDIA_PUBLIC_BASE_URL ?? baseUrl,
      now,
      logger,
    }),
  );
  const http = await listen(app, config.MEDIA_HTTP_PORT, config.MEDIA_HTTP_HOST);
  baseUrl = http.url;

  const sweep = async (): Promise<number> => {
    const deleted = await store.sweep(now());
    if (deleted > 0) logger.info({ deleted }, 'expired public attachments deleted');
    return deleted;
  };
  const sweeper = setInterval(
    () =>
      void sweep().catch((error: Error) => logger.error({ err: error.message }, 'sweep failed')),
    config.MEDIA_SWEEP_INTERVAL_MS,
  );
  sweeper.unref();
  logger.info(
    { url: baseUrl, store: config.MEDIA_STORE, replay: config.MEDIA_REPLAY },
    'media running',
  );
  return {
    url: baseUrl,
    store,
    sweep,
    async stop() {
      clearInterval(sweeper);
      await processor.stop();
      await http.close();
      await store.close();
    },
  };
}
