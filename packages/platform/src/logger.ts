import pino, { type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs; field names come from the telemetry catalogue (./telemetry). */
export function createLogger(service: string, level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name: service,
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Secrets never reach a log line, whatever a caller passes.
    redact: { paths: ['secret', 'secrets', '*.secret', '*.secrets', 'keySecret', '*.keySecret', 'headers.authorization'], censor: '[redacted]' },
  });
}
