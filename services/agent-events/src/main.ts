import { createLogger } from '@cpm/platform';
import { loadAgentEventsConfig } from './config';
import { startAgentEvents } from './agent-events';

async function main(): Promise<void> {
  const config = loadAgentEventsConfig();
  const logger = createLogger('agent-events', config.LOG_LEVEL);
  const service = await startAgentEvents(config, logger);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      service.stop().then(
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
