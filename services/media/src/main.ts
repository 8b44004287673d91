import { createLogger } from '@cpm/platform';
import { loadMediaConfig } from './config';
import { startMedia } from './media';

async function main(): Promise<void> {
  const config = loadMediaConfig();
  const logger = createLogger('media', config.LOG_LEVEL);
  const media = await startMedia(config, { logger });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      media.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
