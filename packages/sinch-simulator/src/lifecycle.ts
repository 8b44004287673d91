import { contactNotification, conversationNotification } from './callbacks';
import { envelopeFor, type SimContext } from './sim-context';
import type { SimContact, SimConversation } from './sim-state';

/** A callback to send, in order, once the state change that caused it is made. */
export interface PendingCallback {
  trigger: string;
  body: Record<string, unknown>;
}

/** The contact of a channel identity, created (with a CONTACT_CREATE callback) if new. */
export function contactFor(
  ctx: SimContext,
  appId: string,
  channel: string,
  identity: string,
  displayName?: string,
): { contact: SimContact; callbacks: PendingCallback[] } {
  const known = ctx.state.findContact(channel, identity);
  if (known) return { contact: known, callbacks: [] };
  const contact = ctx.state.createContact(appId, channel, identity, displayName);
  return {
    contact,
    callbacks: [
      {
        trigger: 'CONTACT_CREATE',
        body: contactNotification(envelopeFor(ctx, appId), 'create', contact),
      },
    ],
  };
}

/** The contact's active conversation, started (with a CONVERSATION_START callback) if none. */
export function conversationFor(
  ctx: SimContext,
  appId: string,
  contact: SimContact,
  channel: string,
): { conversation: SimConversation; callbacks: PendingCallback[] } {
  const active = ctx.state.activeConversation(appId, contact.id);
  if (active) return { conversation: active, callbacks: [] };
  const conversation = ctx.state.startConversation(appId, contact.id, channel);
  const now = ctx.now().toISOString();
  return {
    conversation,
    callbacks: [
      {
        trigger: 'CONVERSATION_START',
        body: conversationNotification(envelopeFor(ctx, appId), 'start', conversation, now),
      },
    ],
  };
}

/** Ends a conversation; the CONVERSATION_STOP callback to send, or none if it was not active. */
export function stopConversation(
  ctx: SimContext,
  conversation: SimConversation,
): PendingCallback[] {
  if (!conversation.active) return [];
  conversation.active = false;
  const body = conversationNotification(
    envelopeFor(ctx, conversation.app_id),
    'stop',
    conversation,
    ctx.now().toISOString(),
  );
  return [{ trigger: 'CONVERSATION_STOP', body }];
}

/** Sends callbacks one after the other, each to every subscribed webhook. */
export async function dispatchInOrder(
  ctx: SimContext,
  appId: string,
  callbacks: readonly PendingCallback[],
): Promise<void> {
  for (const callback of callbacks)
    await ctx.dispatcher.dispatch(appId, callback.trigger, callback.body);
}
