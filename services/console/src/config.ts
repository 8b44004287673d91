import { z } from 'zod';
import { connectionSchema, loadConfig, port, positiveInt } from '@cpm/platform';

export const consoleConfigSchema = connectionSchema
  .extend({
    CONSOLE_INSTANCE_ID: z.string().default('0'), // names this instance's consumer group (console-<id>-<random>: each start reads the whole history)
    CONSOLE_HTTP_PORT: port(18087), // the page, SSE, commands, /healthz /readyz /metrics; 0 picks a free port
    CONSOLE_HTTP_HOST: z.string().default('127.0.0.1'), // bind address; agents only: no authentication of its own, put it behind your SSO proxy
    CONSOLE_MAX_CONVERSATIONS: positiveInt(500), // conversations kept in memory (least recently active dropped first)
    CONSOLE_MAX_MESSAGES: positiveInt(200), // messages kept per conversation (oldest dropped first)
    CONSOLE_AGENT_ID: z.string().optional(), // agentId written on commands; none (null) by default
    CONSOLE_MEDIA_URL: z.url().optional(), // the media service (e.g. http://127.0.0.1:18084): GET /media/:key is proxied to it with the token; no proxy by default
    CONSOLE_MEDIA_TOKEN: z.string().optional(), // the media service's MEDIA_AGENT_TOKEN; required with CONSOLE_MEDIA_URL
  })
  .refine((c) => c.CONSOLE_MEDIA_URL === undefined || (c.CONSOLE_MEDIA_TOKEN ?? '').length > 0, {
    message: 'CONSOLE_MEDIA_TOKEN: set the media service agent token when CONSOLE_MEDIA_URL is set',
    path: ['CONSOLE_MEDIA_TOKEN'],
  });

export type ConsoleConfig = z.infer<typeof consoleConfigSchema>;
export const loadConsoleConfig = (env: NodeJS.ProcessEnv = process.env): ConsoleConfig => loadConfig(consoleConfigSchema, env);
