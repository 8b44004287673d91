import { createLogger } from '@cpm/platform';
import { loadOutboundConfig } from './config';
import { startOutbound } from './outbound';

async function main(): Promise<void> {
  const config = loadOutboundConfig();
  const logger = createLogger('outbound', config.LOG_LEVEL);
  const outbound = await startOutbound(config, logger);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      outbound.stop().then(
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
