import type { Conversation } from '@sinch/conversation';

export interface MediaContent {
  /** A public URL the channel downloads (ours are signed and expire). */
  url: string;
  thumbnailUrl?: string;
  fileName?: string;
}

export interface WhatsAppTemplateContent {
  /** The WhatsApp template NAME (Conversation API calls it `template_id`). */
  templateName: string;
  /** Underscore form, e.g. `en_US`. */
  languageCode: string;
  /** Keys such as `body[1]text`, `header[1]image.link`, `button[0]url[1]text`. */
  parameters?: Record<string, string>;
}

export function textMessage(text: string): Conversation.AppTextMessage {
  return { text_message: { text } };
}

export function mediaMessage(media: MediaContent): Conversation.AppMediaMessage {
  return {
    media_message: {
      url: media.url,
      ...(media.thumbnailUrl !== undefined && { thumbnail_url: media.thumbnailUrl }),
      ...(media.fileName !== undefined && { filename_override: media.fileName }),
    },
  };
}

/** A WhatsApp template through `channel_template.WHATSAPP` (no omni template needed). */
export function whatsAppTemplateMessage(
  template: WhatsAppTemplateContent,
): Conversation.AppTemplateMessage {
  return {
    template_message: {
      channel_template: {
        WHATSAPP: {
          template_id: template.templateName,
          language_code: template.languageCode,
          parameters: template.parameters ?? {},
        },
      },
    },
  };
}

/** One button: a reply (TEXT), a link (URL) or a call (CALL). */
export type ChoiceItem =
  | { kind: 'TEXT'; title: string; postbackData?: string }
  | { kind: 'URL'; title: string; url: string; postbackData?: string }
  | { kind: 'CALL'; title: string; phoneNumber: string; postbackData?: string };

/** Buttons under a text (a choice message), or a card when a title or an image is given. */
export interface ChoicesContent {
  text: string;
  choices: ChoiceItem[];
  /** A card's title. */
  title?: string;
  /** A card's image (a public URL). */
  mediaUrl?: string;
}

function choiceOf(item: ChoiceItem): Conversation.Choice {
  const postback = item.postbackData !== undefined ? { postback_data: item.postbackData } : {};
  switch (item.kind) {
    case 'URL':
      return { url_message: { title: item.title, url: item.url }, ...postback };
    case 'CALL':
      return { call_message: { title: item.title, phone_number: item.phoneNumber }, ...postback };
    case 'TEXT':
      return { text_message: { text: item.title }, ...postback };
  }
}

/** A `choice_message`, or a `card_message` (title, description, image, choices) when it has a title or an image. */
export function choicesMessage(
  content: ChoicesContent,
): Conversation.AppChoiceMessage | Conversation.AppCardMessage {
  const choices = content.choices.map(choiceOf);
  if (content.title === undefined && content.mediaUrl === undefined)
    return { choice_message: { text_message: { text: content.text }, choices } };
  return {
    card_message: {
      ...(content.title !== undefined && { title: content.title }),
      description: content.text,
      ...(content.mediaUrl !== undefined && { media_message: { url: content.mediaUrl } }),
      choices,
    },
  };
}
