import { Router, type Request, type Response } from 'express';
import { sendApiError } from '../api-error';
import { guarded, type RouteKit } from './route-kit';

/** `GET /v1/projects/{project}/apps/{app}`: the app with its processing mode. */
export function appRoutes(kit: RouteKit): Router {
  const router = Router();
  router.get(
    '/v1/projects/:project/apps/:app',
    ...guarded(kit, 'apps:get'),
    (req: Request, res: Response) => {
      const app = kit.ctx.state.apps.get(String(req.params.app));
      if (!app) return sendApiError(res, 404, `app ${req.params.app} not found`);
      res.json({ ...app, channel_credentials: [], conversation_metadata_report_view: 'FULL' });
    },
  );
  return router;
}
