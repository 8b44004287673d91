import { createLogger } from '@cpm/platform';
import { loadProjectorConfig } from './config';
import { startProjector } from './projector';

async function main(): Promise<void> {
  const config = loadProjectorConfig();
  const logger = createLogger('projector', config.LOG_LEVEL);
  const projector = await startProjector(config, logger);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      projector.stop().then(
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
