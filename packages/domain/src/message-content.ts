import type { Location, Media, Message, Reason } from '@cpm/contracts';
import { type Obj, arr, isObj, obj, optNum, optStr, str } from './json';

/** The content part of a Message: everything but id, direction, author, acceptedAt, commandId. */
export type MessageContent = Pick<
  Message,
  | 'kind'
  | 'text'
  | 'media'
  | 'location'
  | 'choice'
  | 'replyToMessageId'
  | 'fallbackReason'
  | 'channelSpecificJson'
  | 'productsJson'
>;

/**
 * Content variant keys, customer (contact_message, docs/DOMAIN.md#message-content) then app message
 * (submitted_message of MESSAGE_SUBMIT). The kind is the key without `_message`, upper case.
 */
const VARIANTS = [
  'text_message',
  'media_message',
  'media_card_message',
  'location_message',
  'choice_response_message',
  'product_response_message',
  'fallback_message',
  'channel_specific_message',
  'template_message',
  'choice_message',
  'card_message',
  'carousel_message',
  'list_message',
  'contact_info_message',
] as const;

/** Reads a contact_message or an app message; an unknown variant gives kind UNKNOWN. */
export function messageContentOf(content: unknown): MessageContent {
  const root = obj(content);
  const variant = VARIANTS.find((key) => isObj(root[key]));
  const result: MessageContent = {
    kind: variant ? variant.replace(/_message$/, '').toUpperCase() : 'UNKNOWN',
    text: null,
    media: null,
    location: null,
    choice: null,
    replyToMessageId: optStr(obj(root.reply_to).message_id),
    fallbackReason: null,
    channelSpecificJson: null,
    productsJson: null,
  };
  if (!variant) return result;
  const body = obj(root[variant]);
  switch (variant) {
    case 'text_message':
      return { ...result, text: str(body.text) };
    case 'media_message':
      return { ...result, media: mediaOf(body, null) };
    case 'media_card_message':
      return { ...result, media: mediaOf(body, optStr(body.caption)) };
    case 'location_message':
      return { ...result, location: locationOf(body) };
    case 'choice_response_message':
      return {
        ...result,
        choice: { messageId: str(body.message_id), postbackData: optStr(body.postback_data) },
      };
    case 'product_response_message':
      // Node calls the free text `text`, Java `title` (docs/DOMAIN.md#sdk-inconsistencies): take either.
      return {
        ...result,
        text: optStr(body.text) ?? optStr(body.title),
        productsJson: JSON.stringify(body),
      };
    case 'fallback_message':
      return { ...result, text: optStr(body.raw_message), fallbackReason: reasonOf(body.reason) };
    case 'channel_specific_message':
      return { ...result, channelSpecificJson: JSON.stringify(body) };
    case 'choice_message':
      return { ...result, text: optStr(obj(body.text_message).text) };
    case 'card_message':
      return { ...result, text: optStr(body.title) ?? optStr(body.description) };
    default:
      // Templates, carousels, lists, contact info: the kind says what it was. What the agent
      // must read of them travels in the event's detailsJson (detailsOf), the raw log keeps the rest.
      return result;
  }
}

/** An option an app message offered (choice, card, carousel or list), as the customer saw it. */
export interface ChoiceOption {
  title: string;
  postbackData: string | null;
}

/**
 * The options of an app message, in order: a choice message's choices, a card's, a carousel's
 * (its cards', then its own), a list's items. Each choice is one of text_message{text} or
 * url/call/location/calendar/share_location_message{title, ...}, beside its postback_data.
 */
export function choiceOptionsOf(message: unknown): ChoiceOption[] {
  const root = obj(message);
  const choices = (value: unknown): ChoiceOption[] =>
    arr(value).flatMap((choice): ChoiceOption[] => {
      const c = obj(choice);
      const variant = Object.values(c).find(isObj);
      const title = variant ? (optStr(variant.text) ?? optStr(variant.title)) : null;
      return title === null ? [] : [{ title, postbackData: optStr(c.postback_data) }];
    });
  if (isObj(root.choice_message)) return choices(root.choice_message.choices);
  if (isObj(root.card_message)) return choices(root.card_message.choices);
  if (isObj(root.carousel_message)) {
    const carousel = root.carousel_message;
    return [
      ...arr(carousel.cards).flatMap((card) => choices(obj(card).choices)),
      ...choices(carousel.choices),
    ];
  }
  if (isObj(root.list_message))
    return arr(root.list_message.sections).flatMap((section) =>
      arr(obj(section).items).flatMap((item): ChoiceOption[] => {
        const c = obj(obj(item).choice);
        const title = optStr(c.title);
        return title === null ? [] : [{ title, postbackData: optStr(c.postback_data) }];
      }),
    );
  return [];
}

/**
 * What a message event carries in detailsJson beside its typed content, so that nothing the
 * agent must read is lost: a customer's content of a kind without typed fields (contact info,
 * unknown variants) as sent, and the options an app message offered (for the customer's
 * choice later). Null when the typed fields hold everything.
 */
export function detailsOf(kind: string, key: string, content: unknown): string | null {
  if (kind === 'UNKNOWN' || kind === 'CONTACT_INFO')
    return JSON.stringify({ [key]: content ?? null });
  const options = choiceOptionsOf(content);
  return options.length > 0 ? JSON.stringify({ options }) : null;
}

function mediaOf(body: Obj, caption: string | null): Media {
  return {
    url: str(body.url),
    thumbnailUrl: optStr(body.thumbnail_url),
    fileName: optStr(body.filename_override),
    caption,
  };
}

function locationOf(body: Obj): Location {
  const coordinates = obj(body.coordinates);
  return {
    latitude: optNum(coordinates.latitude),
    longitude: optNum(coordinates.longitude),
    title: optStr(body.title),
    label: optStr(body.label),
  };
}

/** Sinch's `reason` object; legacy payloads send `"reason": ""`, which reads as null. */
export function reasonOf(value: unknown): Reason | null {
  if (!isObj(value)) return null;
  return {
    code: optStr(value.code),
    description: optStr(value.description),
    subCode: optStr(value.sub_code),
    channelCode: optStr(value.channel_code),
  };
}
