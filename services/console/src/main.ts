import { createLogger } from '@cpm/platform';
import { loadConsoleConfig } from './config';
import { startConsole } from './console';

async function main(): Promise<void> {
  const config = loadConsoleConfig();
  const logger = createLogger('console', config.LOG_LEVEL);
  const agentConsole = await startConsole(config, logger);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      agentConsole.stop().then(
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
