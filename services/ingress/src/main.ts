import { createLogger } from '@cpm/platform';
import { loadIngressConfig } from './config';
import { startIngress } from './ingress';

async function main(): Promise<void> {
  const config = loadIngressConfig();
  const logger = createLogger('ingress', config.LOG_LEVEL);
  const ingress = await startIngress(config, logger);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      ingress.stop().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
