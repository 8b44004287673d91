import { contactKeyOf, isPhoneKey, isPhoneKeyed, phoneKeyOf } from '@cpm/sinch-webhooks';
import type { ConversationEvent } from '@cpm/contracts';
import { eventIdOf } from './event-id';

/**
 * Contact links (docs/ARCHITECTURE.md#contact-links): SMS and MMS traffic is keyed by phone
 * number, while Sinch's contact and conversation callbacks name only the contact and are
 * keyed by it. These pure rules bring such a callback to the phone key(s) the contact's
 * messages use, from what the log itself says:
 *
 * - every event on a phone key that names a contact links that contact to the key: the
 *   normalizer writes a CONTACT_LINKED record, once per contact and phone key, to the
 *   contact's key on the repartition topic;
 * - a contact's own callbacks link it too, to the SMS/MMS identities listed in the contact;
 * - on the contact's key, the links are state; a contact or SMS/MMS conversation callback is
 *   sent on to each linked phone key (re-keyed, same event id) through the repartition
 *   topic, and processed there like the phone key's own events;
 * - a callback that comes before any link waits in the contact's state (the last
 *   `PENDING_CAPACITY`) and goes out with the first link.
 */

/** The internal event type of a link record (normalizer.repartition.v1 only). */
export const CONTACT_LINKED = 'CONTACT_LINKED';

/** Callbacks about the contact: also delivered under the contact key, as before. */
const CONTACT_TYPES = new Set([
  'CONTACT_CREATED',
  'CONTACT_UPDATED',
  'CONTACT_DELETED',
  'CONTACT_MERGED',
]);
/** Callbacks about a conversation: an SMS/MMS one belongs to the phone key only. */
const CONVERSATION_TYPES = new Set([
  'CONVERSATION_STARTED',
  'CONVERSATION_STOPPED',
  'CONVERSATION_DELETED',
]);

/** Callbacks kept per contact while no link is known. */
export const PENDING_CAPACITY = 20;
/** Phone keys remembered per contact, and contacts per phone key (the most recent). */
export const LINK_CAPACITY = 16;

export interface LinkState {
  /** On a phone key: the contact keys a link record was written for (written once). */
  linkedContacts: string[];
  /** On a contact key: the phone keys the contact's messages use. */
  phoneKeys: string[];
  /** On a contact key: callbacks waiting for the first link, oldest first. */
  pending: ConversationEvent[];
}

export const emptyLinkState = (): LinkState => ({ linkedContacts: [], phoneKeys: [], pending: [] });

const addRecent = (list: readonly string[], items: readonly string[]): string[] => {
  const fresh = items.filter((i, n) => !list.includes(i) && items.indexOf(i) === n);
  return fresh.length === 0 ? [...list] : [...list, ...fresh].slice(-LINK_CAPACITY);
};

/**
 * An event on a phone key: the link records to write (one per contact not linked yet, keyed
 * by the contact key) and the state that remembers them. The contact is the one Sinch
 * reported and, after the MMS correction, the MMS thread's contact.
 */
export function linksFrom(
  state: LinkState,
  key: string,
  event: ConversationEvent,
): { state: LinkState; links: Array<{ contactKey: string; event: ConversationEvent }> } {
  if (!isPhoneKey(event.appId, key) || event.type === CONTACT_LINKED) return { state, links: [] };
  const contactKeys = [event.sourceContactId, event.contactId]
    .filter((id) => id !== '')
    .map((id) => contactKeyOf(event.appId, id))
    .filter((c, n, all) => all.indexOf(c) === n && !state.linkedContacts.includes(c));
  if (contactKeys.length === 0) return { state, links: [] };
  return {
    state: { ...state, linkedContacts: addRecent(state.linkedContacts, contactKeys) },
    links: contactKeys.map((contactKey) => ({
      contactKey,
      event: linkEventOf(contactKey, key, event),
    })),
  };
}

/** The CONTACT_LINKED record: keyed by `contactKey`, its `customerKey` names the phone key. */
export function linkEventOf(
  contactKey: string,
  phoneKey: string,
  from: ConversationEvent,
): ConversationEvent {
  return {
    ...from,
    eventId: eventIdOf([CONTACT_LINKED, contactKey, phoneKey]),
    type: CONTACT_LINKED,
    customerKey: phoneKey,
    message: null,
    attachedData: null,
    status: null,
    contact: null,
    consent: null,
    correction: null,
    detailsJson: JSON.stringify({ contactKey, phoneKey }),
  };
}

/** The phone keys a contact callback names itself: its SMS and MMS identities. */
export function phoneKeysOfContact(event: ConversationEvent): string[] {
  const identities = event.contact?.identities ?? [];
  return identities
    .filter((i) => isPhoneKeyed(i.channel) && i.identity !== '')
    .map((i) => phoneKeyOf(event.appId, i.identity))
    .filter((k, n, all) => all.indexOf(k) === n);
}

export interface Routing {
  state: LinkState;
  /** Emit the event under its own (contact) key, as before. */
  direct: boolean;
  /** The same event, re-keyed to each of these phone keys (through the repartition topic). */
  to: string[];
  /** Waiting callbacks released by a first phone key, to go to `to` before the event. */
  released: ConversationEvent[];
}

/**
 * A callback on a contact key:
 * - contact callbacks go out under the contact key (its other channels' thread) and to every
 *   phone key linked or listed in the contact; the listed ones become links;
 * - an SMS/MMS conversation callback goes to the linked phone keys only (its thread), so an
 *   ended conversation still ends once;
 * - either waits in `pending` when no phone key is known yet (contact callbacks only when
 *   they list no phone identity: they may name a customer whose SMS comes later);
 * - anything else is not touched.
 */
export function routeContactEvent(state: LinkState, event: ConversationEvent): Routing {
  const isContact = CONTACT_TYPES.has(event.type);
  const isSmsConversation = CONVERSATION_TYPES.has(event.type) && isPhoneKeyed(event.channel);
  if (!isContact && !isSmsConversation) return { state, direct: true, to: [], released: [] };
  const listed = isContact ? phoneKeysOfContact(event) : [];
  const phoneKeys = addRecent(state.phoneKeys, listed);
  if (phoneKeys.length === 0) {
    const pending = [...state.pending, event].slice(-PENDING_CAPACITY);
    return { state: { ...state, pending }, direct: isContact, to: [], released: [] };
  }
  const changed = listed.some((k) => !state.phoneKeys.includes(k)) || state.pending.length > 0;
  return {
    state: changed ? { ...state, phoneKeys, pending: [] } : state,
    direct: isContact,
    to: phoneKeys,
    released: state.pending,
  };
}

/**
 * A link record on the contact's key: the phone key becomes one of the contact's, and the
 * callbacks that waited for a link go to it (then are forgotten: a later link does not
 * get them again).
 */
export function acceptLink(
  state: LinkState,
  phoneKey: string,
): { state: LinkState; flush: ConversationEvent[] } {
  if (state.phoneKeys.includes(phoneKey) && state.pending.length === 0) return { state, flush: [] };
  return {
    state: { ...state, phoneKeys: addRecent(state.phoneKeys, [phoneKey]), pending: [] },
    flush: state.pending,
  };
}

/**
 * The event as delivered to a phone key: same fact, same id, the phone key's customer, and
 * the customer's number as identity when the callback named none (conversation callbacks):
 * the MMS correction finds the thread by number.
 */
export const rekeyed = (event: ConversationEvent, phoneKey: string): ConversationEvent => ({
  ...event,
  customerKey: phoneKey,
  identity: event.identity || phoneKey.slice(phoneKey.lastIndexOf(':tel:') + ':tel:'.length),
});
