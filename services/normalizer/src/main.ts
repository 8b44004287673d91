import { createLogger } from '@cpm/platform';
import { loadNormalizerConfig } from './config';
import { startNormalizer } from './normalizer';

async function main(): Promise<void> {
  const config = loadNormalizerConfig();
  const logger = createLogger('normalizer', config.LOG_LEVEL);
  const normalizer = await startNormalizer(config, logger);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      normalizer.stop().then(
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
