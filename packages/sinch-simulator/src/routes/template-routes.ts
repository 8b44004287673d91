import { Router, type Request, type Response } from 'express';
import { guarded, type RouteKit } from './route-kit';

/**
 * `GET /v2/projects/{project}/templates` of the Template Management API: the project's
 * templates in its documented shape (`{templates: [{id, description, version,
 * default_translation, translations: [...]}]}`), from the simulator's state.
 */
export function templateRoutes(kit: RouteKit): Router {
  const router = Router();
  router.get(
    '/v2/projects/:project/templates',
    ...guarded(kit, 'templates:list'),
    (_req: Request, res: Response) => {
      res.json({ templates: [...kit.ctx.state.templates.values()] });
    },
  );
  return router;
}
