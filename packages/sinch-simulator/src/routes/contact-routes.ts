import { Router, type Request, type Response } from 'express';
import { sendApiError } from '../api-error';
import { guarded, isRecord, jsonBody, type RouteKit } from './route-kit';

/** Channels Get Channel Profile answers for (docs/DOMAIN.md#display-names). */
const PROFILE_CHANNELS = new Set(['MESSENGER', 'INSTAGRAM', 'VIBER', 'LINE']);

/** `GET /contacts/{id}` and `POST /contacts:getChannelProfile`. */
export function contactRoutes(kit: RouteKit): Router {
  const router = Router();
  const { state } = kit.ctx;

  router.get(
    '/v1/projects/:project/contacts/:id',
    ...guarded(kit, 'contacts:get'),
    (req: Request, res: Response) => {
      const contact = state.contacts.get(String(req.params.id));
      if (!contact) return sendApiError(res, 404, `contact ${req.params.id} not found`);
      res.json(contact);
    },
  );

  router.post(
    '/v1/projects/:project/contacts\\:getChannelProfile',
    ...guarded(kit, 'contacts:getChannelProfile'),
    (req: Request, res: Response) => {
      const body = jsonBody(req);
      if (
        !isRecord(body) ||
        typeof body.app_id !== 'string' ||
        typeof body.channel !== 'string' ||
        !isRecord(body.recipient)
      ) {
        return sendApiError(res, 400, 'app_id, recipient and channel are required');
      }
      if (!PROFILE_CHANNELS.has(body.channel))
        return sendApiError(res, 400, `channel ${body.channel} does not support channel profiles`);
      const identity = identityOf(
        body.recipient,
        body.channel,
        (id) => state.contacts.get(id)?.channel_identities,
      );
      const profileName =
        identity === undefined ? undefined : state.profiles.get(`${body.channel}:${identity}`);
      if (profileName === undefined) return sendApiError(res, 404, 'NO_PROFILE_AVAILABLE');
      res.json({ profile_name: profileName });
    },
  );
  return router;
}

function identityOf(
  recipient: Record<string, unknown>,
  channel: string,
  identitiesOfContact: (id: string) => { channel: string; identity: string }[] | undefined,
): string | undefined {
  if (typeof recipient.contact_id === 'string') {
    return identitiesOfContact(recipient.contact_id)?.find((known) => known.channel === channel)
      ?.identity;
  }
  const identities = isRecord(recipient.identified_by)
    ? recipient.identified_by.channel_identities
    : undefined;
  const match = Array.isArray(identities)
    ? identities.find((item) => isRecord(item) && item.channel === channel)
    : undefined;
  return isRecord(match) && typeof match.identity === 'string' ? match.identity : undefined;
}
