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
