import { Router, type Request, type Response } from 'express';
import { sendApiError } from '../api-error';
import { optNotification } from '../callbacks';
import { newId } from '../ids';
import { dispatchInOrder } from '../lifecycle';
import { envelopeFor } from '../sim-context';
import { guarded, isRecord, jsonBody, type RouteKit } from './route-kit';

/**
 * `POST /v1/projects/{project}/optins:register` and `optouts:register`: `{app_id, recipient,
 * channels}`. Answers `{}`, records the registration, then sends one OPT_IN or OPT_OUT
 * callback per channel (OPT_IN_SUCCEEDED / OPT_OUT_SUCCEEDED), as the API confirms them.
 */
export function consentRoutes(kit: RouteKit): Router {
  const router = Router();
  for (const kind of ['in', 'out'] as const) {
    router.post(
      `/v1/projects/:project/opt${kind}s\\:register`,
      ...guarded(kit, kind === 'in' ? 'optins:register' : 'optouts:register'),
      (req: Request, res: Response) => {
        const body = jsonBody(req);
        if (!isRecord(body) || typeof body.app_id !== 'string' || !isRecord(body.recipient))
          return sendApiError(res, 400, 'app_id and recipient are required');
        const app = kit.ctx.state.apps.get(body.app_id);
        if (!app) return sendApiError(res, 404, `app ${body.app_id} not found`);
        const channels = Array.isArray(body.channels) ? body.channels.map(String) : [];
        if (channels.length === 0) return sendApiError(res, 400, 'channels is required');
        const target = recipientOf(kit, body.recipient, channels[0]!);
        if (!target) return sendApiError(res, 400, 'recipient is not a known contact or identity');
        const callbacks = channels.map((channel) => {
          const identity =
            target.contactId === ''
              ? target.identity
              : (kit.ctx.state.contacts
                  .get(target.contactId)
                  ?.channel_identities.find((i) => i.channel === channel)?.identity ?? '');
          kit.ctx.state.consents.set(
            `${channel}:${identity}`,
            kind === 'in' ? 'OPT_IN' : 'OPT_OUT',
          );
          return {
            trigger: kind === 'in' ? 'OPT_IN' : 'OPT_OUT',
            body: optNotification(envelopeFor(kit.ctx, app.id), kind, {
              requestId: newId(kit.ctx.now()),
              contactId: target.contactId,
              channel,
              identity,
              status: kind === 'in' ? 'OPT_IN_SUCCEEDED' : 'OPT_OUT_SUCCEEDED',
              processingMode: app.processing_mode,
            }),
          };
        });
        res.json({});
        void dispatchInOrder(kit.ctx, app.id, callbacks);
      },
    );
  }
  return router;
}

function recipientOf(
  kit: RouteKit,
  recipient: Record<string, unknown>,
  channel: string,
): { contactId: string; identity: string } | null {
  if (typeof recipient.contact_id === 'string')
    return kit.ctx.state.contacts.has(recipient.contact_id)
      ? { contactId: recipient.contact_id, identity: '' }
      : null;
  const identities = isRecord(recipient.identified_by)
    ? recipient.identified_by.channel_identities
    : undefined;
  const match = Array.isArray(identities)
    ? identities.find((i) => isRecord(i) && i.channel === channel)
    : undefined;
  if (!isRecord(match) || typeof match.identity !== 'string') return null;
  const contact = kit.ctx.state.findContact(channel, match.identity);
  return { contactId: contact?.id ?? '', identity: match.identity };
}
