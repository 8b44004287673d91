import { z } from 'zod';
import { bool, connectionSchema, loadConfig, port, positiveInt } from '@cpm/platform';
import { isPasswordHash, parseUsers } from './agent-auth';

export const consoleConfigSchema = connectionSchema
  .extend({
    CONSOLE_HTTP_PORT: port(18087), // the page, SSE, commands, /healthz /readyz /metrics; 0 picks a free port
    CONSOLE_HTTP_HOST: z.string().default('127.0.0.1'), // bind address
    CONSOLE_MAX_CONVERSATIONS: positiveInt(500), // conversations kept in memory (least recently active dropped first)
    CONSOLE_MAX_MESSAGES: positiveInt(200), // messages kept per conversation (oldest dropped first)
    // Agents who may sign in: `name:hash,name:hash`, hashes from `npm run hash-password -w @cpm/console`.
    // Required: the console shows customers' conversations and sends for agents. A command's agentId is the name.
    CONSOLE_USERS: z
      .string({
        error:
          'set the agents who may sign in: name:hash,... (npm run hash-password -w @cpm/console prints a hash)',
      })
      .transform((v, ctx) => {
        const users = parseUsers(v);
        const bad = users
          .filter((u) => !u.name || !isPasswordHash(u.passwordHash))
          .map((u) => u.name || '(no name)');
        if (users.length === 0 || bad.length > 0) {
          ctx.addIssue({
            code: 'custom',
            message: `each entry is name:scrypt$... (npm run hash-password -w @cpm/console); wrong: ${bad.join(', ') || '(none given)'}`,
          });
        }
        return users;
      }),
    // Signs session cookies; the same on every console instance. Required, at least 32 characters.
    CONSOLE_SESSION_SECRET: z
      .string({
        error: 'set a random secret of at least 32 characters (e.g. openssl rand -hex 32)',
      })
      .min(32),
    CONSOLE_SESSION_HOURS: positiveInt(12), // a sign-in lasts this long
    CONSOLE_COOKIE_SECURE: bool(false), // mark the session cookie Secure: set true when agents reach the console over HTTPS
    CONSOLE_MEDIA_URL: z.url().optional(), // the media service (e.g. http://127.0.0.1:18084): GET /media/:key is proxied to it with the token; no proxy by default
    CONSOLE_MEDIA_TOKEN: z.string().optional(), // the media service's MEDIA_AGENT_TOKEN; required with CONSOLE_MEDIA_URL
  })
  .refine((c) => c.CONSOLE_MEDIA_URL === undefined || (c.CONSOLE_MEDIA_TOKEN ?? '').length > 0, {
    message: 'CONSOLE_MEDIA_TOKEN: set the media service agent token when CONSOLE_MEDIA_URL is set',
    path: ['CONSOLE_MEDIA_TOKEN'],
  });

export type ConsoleConfig = z.infer<typeof consoleConfigSchema>;
export const loadConsoleConfig = (env: NodeJS.ProcessEnv = process.env): ConsoleConfig =>
  loadConfig(consoleConfigSchema, env);
