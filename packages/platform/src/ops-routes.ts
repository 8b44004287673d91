import { Router } from 'express';
import type { Registry } from 'prom-client';

/**
 * `/healthz` (the process runs), `/readyz` (its dependencies answer), `/metrics`
 * (Prometheus). Mounted by every service's HTTP app.
 */
export function opsRoutes(registry: Registry, ready: () => Promise<{ ready: boolean; details?: Record<string, unknown> }>): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const result = await ready().catch((error: Error) => ({ ready: false, details: { error: error.message } }));
    res.status(result.ready ? 200 : 503).json({ status: result.ready ? 'ready' : 'not ready', ...result.details });
  });
  router.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  return router;
}
