import { Router, type Request, type Response } from 'express';
import { sendApiError } from '../api-error';
import type { DeliveryReporter, DeliveryStep } from '../delivery-reporter';
import { newId } from '../ids';
import { contactFor, conversationFor, dispatchInOrder, type PendingCallback } from '../lifecycle';
import { parseSendMessageRequest, type SendMessageRequest } from '../send-request-schema';
import type { SimContext } from '../sim-context';
import {
  channelIdentity,
  type SimApp,
  type SimChannelIdentity,
  type SimContact,
} from '../sim-state';
import { guarded, jsonBody, type RouteKit } from './route-kit';

/** `POST /v1/projects/{project}/messages:send`: validates, answers `{message_id, accepted_time}`, then reports. */
export function messageRoutes(kit: RouteKit, reporter: DeliveryReporter): Router {
  const router = Router();
  router.post(
    '/v1/projects/:project/messages\\:send',
    ...guarded(kit, 'messages:send'),
    (req: Request, res: Response) => {
      const parsed = parseSendMessageRequest(jsonBody(req));
      if (!parsed.ok) return sendApiError(res, 400, parsed.message);
      const request = parsed.request;
      const app = kit.ctx.state.apps.get(request.app_id);
      if (!app) return sendApiError(res, 404, `app ${request.app_id} not found`);
      if (app.processing_mode === 'DISPATCH' && 'contact_id' in request.recipient) {
        return sendApiError(
          res,
          400,
          'recipient.contact_id is not allowed in DISPATCH processing mode; use identified_by',
        );
      }
      const target = resolveTarget(kit.ctx, app, request);
      const messageId = newId(kit.ctx.now());
      const acceptedTime = kit.ctx.now().toISOString();
      kit.ctx.state.sentMessages.set(messageId, {
        id: messageId,
        appId: app.id,
        contactId: target.contactId,
        conversationId: target.conversationId,
        channelIdentity: target.channelIdentity,
        messageMetadata: request.message_metadata ?? '',
        correlationId: request.correlation_id ?? '',
        message: request.message,
      });
      res.json({ message_id: messageId, accepted_time: acceptedTime });
      void dispatchInOrder(kit.ctx, app.id, target.callbacks).then(() =>
        reporter.schedule(
          kit.ctx.state.sentMessages.get(messageId)!,
          app.processing_mode,
          target.steps,
        ),
      );
    },
  );
  return router;
}

interface Target {
  contactId: string;
  conversationId: string;
  channelIdentity: SimChannelIdentity;
  callbacks: PendingCallback[];
  /** Reports that replace the normal ones (a failure the send cannot avoid). */
  steps?: DeliveryStep[];
}

function failure(code: string, description: string): DeliveryStep[] {
  return [{ status: 'FAILED', reason: { code, description, sub_code: 'UNSPECIFIED_SUB_CODE' } }];
}

/** Which contact, conversation and channel identity a send goes to, as Sinch picks them (docs/DOMAIN.md#channel-choice). */
function resolveTarget(ctx: SimContext, app: SimApp, request: SendMessageRequest): Target {
  const recipient = request.recipient;
  if ('identified_by' in recipient) {
    const first = recipient.identified_by.channel_identities[0]!;
    const identity = channelIdentity(app.id, first.channel, first.identity);
    if (app.processing_mode === 'DISPATCH')
      return { contactId: '', conversationId: '', channelIdentity: identity, callbacks: [] };
    const { contact, callbacks } = contactFor(ctx, app.id, first.channel, first.identity);
    return {
      ...inConversation(ctx, app, contact, first.channel, request, callbacks),
      channelIdentity: identity,
    };
  }
  const contact = ctx.state.contacts.get(recipient.contact_id);
  const unknown = channelIdentity(app.id, request.channel_priority_order?.[0] ?? '', '');
  if (!contact) {
    return {
      contactId: recipient.contact_id,
      conversationId: '',
      channelIdentity: unknown,
      callbacks: [],
      steps: failure('CONTACT_NOT_FOUND', 'no such contact'),
    };
  }
  const channel =
    request.channel_priority_order?.[0] ??
    ctx.state.activeConversation(app.id, contact.id)?.active_channel ??
    contact.channel_priority[0] ??
    '';
  const identity = contact.channel_identities.find((known) => known.channel === channel);
  if (!identity) {
    return {
      contactId: contact.id,
      conversationId: '',
      channelIdentity: unknown,
      callbacks: [],
      steps: failure('NO_CHANNEL_IDENTITY_FOR_CONTACT', `contact has no ${channel} identity`),
    };
  }
  return { ...inConversation(ctx, app, contact, channel, request, []), channelIdentity: identity };
}

function inConversation(
  ctx: SimContext,
  app: SimApp,
  contact: SimContact,
  channel: string,
  request: SendMessageRequest,
  earlier: PendingCallback[],
): Omit<Target, 'channelIdentity'> {
  const { conversation, callbacks } = conversationFor(ctx, app.id, contact, channel);
  if (request.conversation_metadata !== undefined) {
    const merge = request.conversation_metadata_update_strategy === 'MERGE_PATCH';
    conversation.metadata_json = merge
      ? { ...conversation.metadata_json, ...request.conversation_metadata }
      : request.conversation_metadata;
  }
  if (request.correlation_id !== undefined) conversation.correlation_id = request.correlation_id;
  return {
    contactId: contact.id,
    conversationId: conversation.id,
    callbacks: [...earlier, ...callbacks],
  };
}
