import { z } from 'zod';

const channelIdentity = z.object({ channel: z.string().min(1), identity: z.string().min(1) });

const recipient = z.union([
  z.object({ contact_id: z.string().min(1) }).strict(),
  z
    .object({ identified_by: z.object({ channel_identities: z.array(channelIdentity).min(1) }) })
    .strict(),
]);

const templateReference = z.object({
  template_id: z.string().min(1),
  version: z.string().optional(),
  language_code: z.string().optional(),
  parameters: z.record(z.string(), z.string()).optional(),
});

const templateMessage = z
  .object({
    omni_template: templateReference.extend({ version: z.string().min(1) }).optional(),
    channel_template: z.record(z.string(), templateReference).optional(),
  })
  .refine(
    (t) => t.omni_template !== undefined || t.channel_template !== undefined,
    'template_message needs omni_template or channel_template',
  )
  .refine(
    (t) =>
      t.channel_template?.WHATSAPP === undefined ||
      Boolean(t.channel_template.WHATSAPP.language_code),
    'channel_template.WHATSAPP.language_code is required',
  );

const choice = z
  .object({
    postback_data: z.string().optional(),
    text_message: z.object({ text: z.string().min(1) }).optional(),
    url_message: z.object({ title: z.string().min(1), url: z.url() }).optional(),
    call_message: z
      .object({ title: z.string().min(1), phone_number: z.string().min(1) })
      .optional(),
  })
  .passthrough()
  .refine(
    (c) => Object.keys(c).filter((key) => key !== 'postback_data').length === 1,
    'a choice has exactly one of text_message, url_message, call_message, ...',
  );

/** Content kinds the simulator checks in depth; the other kinds of the API are accepted as objects. */
const CONTENT_KEYS = [
  'text_message',
  'media_message',
  'template_message',
  'card_message',
  'choice_message',
  'carousel_message',
  'location_message',
  'list_message',
  'contact_info_message',
] as const;

const appMessage = z
  .object({
    text_message: z.object({ text: z.string().min(1) }).optional(),
    media_message: z
      .object({
        url: z.url(),
        thumbnail_url: z.url().optional(),
        filename_override: z.string().optional(),
      })
      .optional(),
    template_message: templateMessage.optional(),
    choice_message: z
      .object({
        text_message: z.object({ text: z.string().min(1) }).optional(),
        choices: z.array(choice).min(1).max(10),
      })
      .passthrough()
      .optional(),
    card_message: z
      .object({
        title: z.string().optional(),
        description: z.string().optional(),
        media_message: z.object({ url: z.url() }).passthrough().optional(),
        choices: z.array(choice).max(10).optional(),
      })
      .passthrough()
      .optional(),
  })
  .passthrough()
  .refine(
    (m) =>
      CONTENT_KEYS.filter((key) => (m as Record<string, unknown>)[key] !== undefined).length === 1,
    {
      message: `message must have exactly one of ${CONTENT_KEYS.join(', ')}`,
    },
  );

/** First-stage validation of `messages:send`, the checks Sinch answers with a synchronous 400. */
export const sendMessageRequestSchema = z
  .object({
    app_id: z.string().min(1),
    recipient,
    message: appMessage,
    message_metadata: z.string().max(1024).optional(),
    conversation_metadata: z
      .record(z.string(), z.unknown())
      .refine(
        (value) => JSON.stringify(value).length <= 2048,
        'conversation_metadata must be at most 2048 characters',
      )
      .optional(),
    correlation_id: z.string().max(128).optional(),
    channel_properties: z.record(z.string(), z.string().max(1024)).optional(),
    channel_priority_order: z.array(z.string()).optional(),
    conversation_metadata_update_strategy: z.enum(['REPLACE', 'MERGE_PATCH']).optional(),
  })
  .passthrough();

export type SendMessageRequest = z.infer<typeof sendMessageRequestSchema>;

/** The request, or a message saying what is wrong with it. */
export function parseSendMessageRequest(
  body: unknown,
): { ok: true; request: SendMessageRequest } | { ok: false; message: string } {
  const result = sendMessageRequestSchema.safeParse(body);
  if (result.success) return { ok: true, request: result.data };
  return {
    ok: false,
    message: result.error.issues
      .map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`)
      .join('; '),
  };
}
