import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

export type LogFormat = 'json' | 'pretty';

/**
 * JSON lines for machines, readable lines for a person: `LOG_FORMAT=json|pretty`, by default
 * `pretty` when standard output is a terminal (`npm run demo` in a shell) and `json` otherwise
 * (containers, CI, a pipe to a log shipper). The pretty stream formats in this thread
 * (pino-pretty as a stream, not a worker transport), which is fine at a terminal's rate.
 */
export function logFormat(
  env: NodeJS.ProcessEnv = process.env,
  isTerminal = Boolean(process.stdout.isTTY),
): LogFormat {
  const chosen = env.LOG_FORMAT?.trim();
  if (!chosen) return isTerminal ? 'pretty' : 'json';
  if (chosen === 'json' || chosen === 'pretty') return chosen;
  throw new Error(
    `LOG_FORMAT must be "json" or "pretty" (got "${chosen}"); leave it unset for pretty at a terminal, JSON elsewhere`,
  );
}

/** Structured logs; field names come from the telemetry catalogue (./telemetry). */
export function createLogger(
  service: string,
  level: string = process.env.LOG_LEVEL ?? 'info',
  format: LogFormat = logFormat(),
  /** Where the JSON lines go instead of standard output (tests capture every line). */
  sink?: DestinationStream,
): Logger {
  const destination: DestinationStream | undefined =
    format === 'pretty'
      ? pretty({
          colorize: true,
          translateTime: 'SYS:HH:MM:ss.l',
          ignore: 'pid,hostname,service',
          messageKey: 'msg',
        })
      : undefined;
  const options: pino.LoggerOptions = {
    name: service,
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Secrets never reach a log line, whatever a caller passes.
    redact: {
      paths: [
        'secret',
        'secrets',
        '*.secret',
        '*.secrets',
        'keySecret',
        '*.keySecret',
        'headers.authorization',
      ],
      censor: '[redacted]',
    },
  };
  const out = sink ?? destination;
  return out ? pino(options, out) : pino(options);
}
