import { normalizeIdentity } from '@cpm/sinch-webhooks';
import type { Contact, ConversationEvent, ConversationEventType } from '@cpm/contracts';
import { obj, optStr, str } from './json';
import { type WebhookContext, buildEvent } from './webhook-context';

/** CONVERSATION_START / STOP / DELETE: ids and channel come from the `conversation` object. */
export function conversationEvent(type: ConversationEventType) {
  return (ctx: WebhookContext): ConversationEvent =>
    buildEvent(ctx, { type, idParts: [str(obj(ctx.inner.conversation).id)] });
}

/**
 * CONTACT_CREATE / DELETE carry one contact; the id identifies the fact. An update of the
 * same contact can happen many times, so CONTACT_UPDATE is identified by its content.
 */
export function contactEvent(type: 'CONTACT_CREATED' | 'CONTACT_UPDATED' | 'CONTACT_DELETED') {
  return (ctx: WebhookContext): ConversationEvent => {
    const contact = contactOf(ctx.inner.contact, null);
    return buildEvent(ctx, {
      type,
      idParts: type === 'CONTACT_UPDATED' ? [] : [contact.id],
      contact,
    });
  };
}

/** CONTACT_MERGE: the preserved contact is the subject; the deleted one is kept in detailsJson. */
export function contactMerged(ctx: WebhookContext): ConversationEvent {
  const deleted = obj(ctx.inner.deleted_contact);
  const contact = contactOf(ctx.inner.preserved_contact, optStr(deleted.id));
  return buildEvent(ctx, {
    type: 'CONTACT_MERGED',
    idParts: [contact.id, str(deleted.id)],
    contact,
    detailsJson: JSON.stringify({ deleted_contact: ctx.inner.deleted_contact ?? null }),
  });
}

/** OPT_IN / OPT_OUT → CONSENT_CHANGED. */
export function consentChanged(kind: 'OPT_IN' | 'OPT_OUT') {
  return (ctx: WebhookContext): ConversationEvent => {
    const n = ctx.inner;
    const status = str(n.status);
    return buildEvent(ctx, {
      type: 'CONSENT_CHANGED',
      idParts: [kind, str(n.request_id), status],
      consent: {
        kind,
        status,
        requestId: optStr(n.request_id),
        errorDescription: optStr(obj(n.error_details).description),
      },
    });
  };
}

/**
 * Triggers whose content has no typed field: the trigger's object travels as detailsJson
 * and the content identifies the fact (these notifications carry no id of their own, or
 * one that does not tell two notifications apart).
 */
export function detailsEvent(type: ConversationEventType) {
  return (ctx: WebhookContext): ConversationEvent =>
    buildEvent(ctx, { type, idParts: [], detailsJson: JSON.stringify(ctx.inner) });
}

/** An unknown top-level key is valid Sinch traffic: the whole body is kept, flagged. */
export function unknownCallback(ctx: WebhookContext): ConversationEvent {
  return buildEvent(ctx, {
    type: 'UNKNOWN_CALLBACK',
    idParts: [],
    detailsJson: JSON.stringify(ctx.root),
  });
}

function contactOf(value: unknown, mergedFromContactId: string | null): Contact {
  const c = obj(value);
  const identities = Array.isArray(c.channel_identities) ? c.channel_identities : [];
  return {
    id: str(c.id),
    displayName: optStr(c.display_name),
    identities: identities.map((i) => {
      const channel = str(obj(i).channel);
      return { channel, identity: normalizeIdentity(channel, str(obj(i).identity)) };
    }),
    mergedFromContactId,
  };
}
