import { createLogger, type Logger } from './logger';

export interface RunningService {
  stop(): Promise<void>;
}

/**
 * The process around a service, the same for every `main.ts`: the config from the
 * environment, a logger at its LOG_LEVEL, start, and a clean stop on SIGINT or SIGTERM
 * (exit 0, or 1 when the stop failed). A failed start prints the error's message, which for
 * our typed errors says what to do, and exits 1.
 */
export function runService<C extends { LOG_LEVEL: string }>(
  name: string,
  loadConfig: () => C,
  start: (config: C, logger: Logger) => Promise<RunningService>,
): void {
  const main = async (): Promise<void> => {
    const config = loadConfig();
    const logger = createLogger(name, config.LOG_LEVEL);
    const service = await start(config, logger);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        logger.info({ signal }, 'shutting down');
        service.stop().then(
          () => process.exit(0),
          (error: unknown) => {
            logger.error({ err: error }, 'shutdown failed');
            process.exit(1);
          },
        );
      });
    }
  };
  main().catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
