import type { SimTemplate } from './sim-state';

const TIME = '2026-01-15T09:00:00Z';

/** A WhatsApp template translation: an omni text with a `channel_template_overrides.WHATSAPP` reference. */
function whatsApp(
  languageCode: string,
  name: string,
  text: string,
  variables: [variable: string, whatsAppKey: string, preview: string][],
): Record<string, unknown> {
  return {
    language_code: languageCode,
    version: '1',
    text_message: { text },
    variables: variables.map(([key, , preview]) => ({ key, preview_value: preview })),
    channel_template_overrides: {
      WHATSAPP: {
        template_reference: {
          template_id: name,
          language_code: languageCode.replace('-', '_'),
          version: '1',
          parameters: {},
        },
        parameter_mappings: Object.fromEntries(
          variables.map(([key, whatsAppKey]) => [key, whatsAppKey]),
        ),
      },
    },
    create_time: TIME,
    update_time: TIME,
  };
}

/** The simulator's default catalogue: two WhatsApp templates (one in two languages) and one omni template without a WhatsApp reference. */
export const SAMPLE_TEMPLATES: SimTemplate[] = [
  {
    id: 'order-shipped',
    description: 'Order shipped (utility)',
    version: 1,
    default_translation: 'en-US',
    translations: [
      whatsApp('en-US', 'order_shipped', 'Hi ${name}, your order ${order} has shipped.', [
        ['name', 'body[1]text', 'Anna'],
        ['order', 'body[2]text', 'A-1042'],
      ]),
      whatsApp('sv-SE', 'order_shipped', 'Hej ${name}, din order ${order} har skickats.', [
        ['name', 'body[1]text', 'Anna'],
        ['order', 'body[2]text', 'A-1042'],
      ]),
    ],
    create_time: TIME,
    update_time: TIME,
  },
  {
    id: 'follow-up',
    description: 'Follow-up after the window closed',
    version: 2,
    default_translation: 'en-US',
    translations: [whatsApp('en-US', 'follow_up', 'Hello again! Reply to continue our chat.', [])],
    create_time: TIME,
    update_time: TIME,
  },
  {
    id: 'omni-greeting',
    description: 'A Conversation API template with no WhatsApp template behind it',
    version: 1,
    default_translation: 'en-US',
    translations: [
      {
        language_code: 'en-US',
        version: '1',
        text_message: { text: 'Welcome!' },
        create_time: TIME,
        update_time: TIME,
      },
    ],
    create_time: TIME,
    update_time: TIME,
  },
];
