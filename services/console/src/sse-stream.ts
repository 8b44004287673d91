import type { Request, Response } from 'express';
import type { Metrics } from '@cpm/platform';
import type { ConversationStore } from './conversation-store';

export interface SseClients {
  handler(req: Request, res: Response): void;
  closeAll(): void;
}

/**
 * GET /api/stream: Server-Sent Events. First `snapshot` (the bounded view), then one `input`
 * per consumed record, in order; a comment every `keepAliveMs` keeps proxies from closing it.
 */
export function sseClients(
  store: ConversationStore,
  metrics: Metrics,
  o: { proxyMedia: boolean; keepAliveMs?: number },
): SseClients {
  const open = new Set<Response>();
  return {
    handler(req, res) {
      res.set({
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
      res.flushHeaders();
      const send = (event: string, data: unknown) =>
        res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      send('snapshot', { conversations: store.snapshot(), proxyMedia: o.proxyMedia });
      const unsubscribe = store.subscribe((input) => send('input', input));
      const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), o.keepAliveMs ?? 15_000);
      open.add(res);
      metrics.consoleClients.inc();
      const close = () => {
        if (!open.delete(res)) return;
        clearInterval(keepAlive);
        unsubscribe();
        metrics.consoleClients.dec();
      };
      req.on('close', close);
      res.on('close', close);
    },
    closeAll() {
      for (const res of [...open]) res.end();
    },
  };
}
