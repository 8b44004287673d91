import { Router, type Request, type Response } from 'express';
import { sendApiError } from '../api-error';
import { dispatchInOrder, stopConversation } from '../lifecycle';
import { guarded, type RouteKit } from './route-kit';

/** `POST /v1/projects/{project}/conversations/{id}:stop`: ends it and sends CONVERSATION_STOP. */
export function conversationRoutes(kit: RouteKit): Router {
  const router = Router();
  router.post(
    '/v1/projects/:project/conversations/:id\\:stop',
    ...guarded(kit, 'conversations:stop'),
    (req: Request, res: Response) => {
      const conversation = kit.ctx.state.conversations.get(String(req.params.id));
      if (!conversation) return sendApiError(res, 404, `conversation ${req.params.id} not found`);
      const callbacks = stopConversation(kit.ctx, conversation);
      res.json({});
      void dispatchInOrder(kit.ctx, conversation.app_id, callbacks);
    },
  );
  return router;
}
