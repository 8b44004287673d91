import { Router, type Request, type Response } from 'express';
import { sendApiError } from '../api-error';
import { newId } from '../ids';
import type { SimWebhook } from '../sim-state';
import { guarded, isRecord, jsonBody, type RouteKit } from './route-kit';

/** Trigger values the API accepts (the SDK's WebhookTrigger, without UNSPECIFIED_TRIGGER). */
const VALID_TRIGGERS = new Set([
  'MESSAGE_DELIVERY',
  'MESSAGE_SUBMIT',
  'MESSAGE_INBOUND',
  'EVENT_DELIVERY',
  'EVENT_INBOUND',
  'SMART_CONVERSATIONS',
  'MESSAGE_INBOUND_SMART_CONVERSATION_REDACTION',
  'CONVERSATION_START',
  'CONVERSATION_STOP',
  'CONVERSATION_DELETE',
  'CONTACT_CREATE',
  'CONTACT_DELETE',
  'CONTACT_MERGE',
  'CONTACT_UPDATE',
  'CONTACT_IDENTITIES_DUPLICATION',
  'UNSUPPORTED',
  'OPT_IN',
  'OPT_OUT',
  'CHANNEL_EVENT',
  'CAPABILITY',
  'RECORD_NOTIFICATION',
]);
const MAX_WEBHOOKS_PER_APP = 5;
const MAX_TARGET_LENGTH = 742;
const UPDATABLE_FIELDS = ['target', 'target_type', 'secret', 'triggers'] as const;

/** Webhook management: list an app's webhooks, create one, patch one (with `update_mask`). */
export function webhookRoutes(kit: RouteKit): Router {
  const router = Router();
  const { state } = kit.ctx;

  router.get(
    '/v1/projects/:project/apps/:app/webhooks',
    ...guarded(kit, 'webhooks:list'),
    (req: Request, res: Response) => {
      res.json({
        webhooks: [...state.webhooks.values()].filter(
          (webhook) => webhook.app_id === req.params.app,
        ),
      });
    },
  );

  router.post(
    '/v1/projects/:project/webhooks',
    ...guarded(kit, 'webhooks:create'),
    (req: Request, res: Response) => {
      const body = jsonBody(req);
      if (!isRecord(body) || typeof body.app_id !== 'string')
        return sendApiError(res, 400, 'app_id is required');
      if (!state.apps.has(body.app_id))
        return sendApiError(res, 404, `app ${body.app_id} not found`);
      const webhook: SimWebhook = {
        id: newId(),
        app_id: body.app_id,
        target: '',
        target_type: 'HTTP',
        secret: '',
        triggers: [],
      };
      const problem = applyFields(webhook, body, UPDATABLE_FIELDS);
      if (problem) return sendApiError(res, 400, problem);
      const ofApp = [...state.webhooks.values()].filter((known) => known.app_id === webhook.app_id);
      if (ofApp.some((known) => known.target === webhook.target))
        return sendApiError(res, 400, 'a webhook with this target already exists for the app');
      if (ofApp.length >= MAX_WEBHOOKS_PER_APP)
        return sendApiError(res, 400, `an app can have at most ${MAX_WEBHOOKS_PER_APP} webhooks`);
      state.webhooks.set(webhook.id, webhook);
      res.json(webhook);
    },
  );

  router.patch(
    '/v1/projects/:project/webhooks/:id',
    ...guarded(kit, 'webhooks:update'),
    (req: Request, res: Response) => {
      const existing = state.webhooks.get(String(req.params.id));
      if (!existing) return sendApiError(res, 404, `webhook ${req.params.id} not found`);
      const body = jsonBody(req);
      if (!isRecord(body)) return sendApiError(res, 400, 'body must be a JSON object');
      const mask =
        typeof req.query.update_mask === 'string'
          ? req.query.update_mask.split(',').filter(Boolean)
          : Object.keys(body);
      const fields = UPDATABLE_FIELDS.filter((field) => mask.includes(field));
      const updated = { ...existing, triggers: [...existing.triggers] };
      const problem = applyFields(updated, body, fields);
      if (problem) return sendApiError(res, 400, problem);
      state.webhooks.set(updated.id, updated);
      res.json(updated);
    },
  );
  return router;
}

/** Copies the given fields from the body after checking them; the problem found, or null. */
function applyFields(
  webhook: SimWebhook,
  body: Record<string, unknown>,
  fields: readonly (typeof UPDATABLE_FIELDS)[number][],
): string | null {
  for (const field of fields) {
    const value = body[field];
    if (field === 'target') {
      if (typeof value !== 'string' || !URL.canParse(value) || value.length > MAX_TARGET_LENGTH)
        return 'target must be a URL of at most 742 characters';
      webhook.target = value;
    } else if (field === 'target_type') {
      if (value === undefined) continue;
      if (value !== 'HTTP' && value !== 'DISMISS') return 'target_type must be HTTP or DISMISS';
      webhook.target_type = value;
    } else if (field === 'secret') {
      if (value !== undefined && typeof value !== 'string') return 'secret must be a string';
      webhook.secret = value ?? '';
    } else {
      if (!Array.isArray(value) || value.length === 0) return 'triggers must be a non-empty list';
      const invalid = value.filter((trigger) => !VALID_TRIGGERS.has(String(trigger)));
      if (invalid.length > 0) return `invalid trigger(s): ${invalid.join(', ')}`;
      webhook.triggers = value.map(String);
    }
  }
  return null;
}
