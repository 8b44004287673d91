import { Router } from 'express';
import type { Registry } from 'prom-client';

/** What a service's readiness check finds: `reason` says why it is not ready. */
export interface ReadyCheck {
  ready: boolean;
  reason?: string;
  details?: Record<string, unknown>;
}

/**
 * `/healthz` (the process runs), `/readyz` (it can do its work: 200, or 503 with
 * `{ready: false, reason}`; a check that throws is not ready with the error as reason),
 * `/metrics` (Prometheus). Mounted by every service's HTTP app.
 */
export function opsRoutes(registry: Registry, ready: () => Promise<ReadyCheck>): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const result = await ready().catch((error: Error): ReadyCheck => ({
      ready: false,
      reason: error.message,
    }));
    res.status(result.ready ? 200 : 503).json({
      status: result.ready ? 'ready' : 'not ready',
      ready: result.ready,
      ...(result.reason !== undefined && { reason: result.reason }),
      ...result.details,
    });
  });
  router.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  return router;
}
