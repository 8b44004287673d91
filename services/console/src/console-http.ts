import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import {
  AppError,
  httpAnswer,
  opsRoutes,
  sendError,
  type Logger,
  type Metrics,
} from '@cpm/platform';
import type { AgentDirectory } from './agent-auth';
import { agentOf, agentSession } from './agent-session';
import type { CommandWriter } from './command-writer';
import type { ConversationStore } from './conversation-store';
import { UnknownConversationError } from './errors';
import { mediaProxy } from './media-proxy';
import { parseReply, replyCommand } from './reply-command';
import type { SseClients } from './sse-stream';
import type { TemplateStore } from './template-store';
import { uploadProxy } from './upload-proxy';
import type { WebAssets } from './web-bundle';

export interface ConsoleHttpOptions {
  assets: WebAssets;
  store: ConversationStore;
  templates: TemplateStore;
  sse: SseClients;
  writer: CommandWriter;
  metrics: Metrics;
  logger: Logger;
  ready: () => boolean;
  /** Who may sign in, and how sessions are signed and kept. */
  auth: {
    directory: AgentDirectory;
    sessionSecret: string;
    sessionTtlMs: number;
    secureCookie: boolean;
  };
  media: { url: string; token: string } | null;
  now?: () => number;
}

/** Scripts, styles and media only from the console itself: text from customers can never run. */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; connect-src 'self'; base-uri 'none'; form-action 'self'";

/**
 * The console's HTTP app: ops routes and the sign-in form are open; the page, the SSE stream,
 * replies (POST /api/commands), the template catalogue (GET /api/templates), uploads
 * (POST /api/uploads) and the media proxy need a signed-in agent, whose name each command
 * carries as agentId.
 */
export function consoleHttp(o: ConsoleHttpOptions): express.Express {
  const app = express();
  const now = o.now ?? Date.now;
  app.disable('x-powered-by');
  app.use(
    opsRoutes(o.metrics.registry, async () => ({
      ready: o.ready(),
      details: { conversations: o.store.size },
    })),
  );
  const page = (type: string, body: string) => (_req: Request, res: Response) => {
    res
      .set({
        'Content-Security-Policy': CSP,
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'no-store',
      })
      .type(type)
      .send(body);
  };
  app.get('/console.css', page('css', o.assets.css));
  const session = agentSession({
    directory: o.auth.directory,
    secret: o.auth.sessionSecret,
    ttlMs: o.auth.sessionTtlMs,
    secureCookie: o.auth.secureCookie,
    loginPage: o.assets.loginHtml,
    now,
    onSignIn: (agent) =>
      agent ? o.logger.info({ agent }, 'agent signed in') : o.logger.info('sign-in refused'),
  });
  app.use(session.routes);
  app.use(session.requireAgent);
  app.get('/', page('html', o.assets.html));
  app.get('/app.js', page('js', o.assets.js));
  app.get('/api/stream', (req, res) => o.sse.handler(req, res));
  app.get('/api/conversations', (_req, res) => {
    res.json(o.store.snapshot());
  });
  app.get('/api/templates', (_req, res) => {
    res.json(o.templates.list());
  });
  app.post('/api/commands', express.json({ limit: '64kb' }), async (req, res, next) => {
    try {
      const reply = parseReply(req.body);
      const conversation = o.store.get(reply.customerKey);
      if (!conversation) throw new UnknownConversationError(reply.customerKey);
      const command = replyCommand(conversation, reply, {
        commandId: randomUUID(),
        now: now(),
        agentId: agentOf(res),
      });
      await o.writer.write(reply.customerKey, command);
      o.logger.info(
        // No customer key: an SMS or MMS customer's key holds their phone number.
        { commandId: command.commandId, type: command.type, agent: agentOf(res) },
        'agent command written',
      );
      res.status(202).json({ commandId: command.commandId });
    } catch (error) {
      next(error);
    }
  });
  if (o.media) {
    app.get('/media/:key', mediaProxy(o.media.url, o.media.token));
    app.get('/public/:key', mediaProxy(o.media.url, o.media.token, 'public'));
    app.post('/api/uploads', uploadProxy(o.media.url, o.media.token));
  } else {
    app.post('/api/uploads', (_req, res) =>
      sendError(
        res,
        new AppError(
          'CPM_ERR_CONSOLE_MEDIA_UNAVAILABLE',
          'uploads need the media service: set CONSOLE_MEDIA_URL and CONSOLE_MEDIA_TOKEN',
        ),
      ),
    );
  }
  app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const { status, body } = httpAnswer(error);
    if (status >= 500)
      o.logger.error({ code: body.code, err: body.message }, 'console request failed');
    sendError(res, error);
  });
  return app;
}
