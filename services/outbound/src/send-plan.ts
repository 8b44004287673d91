import type { MediaContent, Recipient, SendOptions, WhatsAppTemplateContent } from '@cpm/sinch-api';
import type { AgentCommand } from './agent-command';

/** What to call on SinchApi for a command. */
export type SendPlan =
  | { kind: 'text'; options: SendOptions & { text: string } }
  | { kind: 'media'; options: SendOptions & MediaContent }
  | { kind: 'template'; options: SendOptions & WhatsAppTemplateContent }
  | { kind: 'stop'; conversationId: string };

/** A command we refuse before calling Sinch: stable code and the reason. */
export interface Refusal {
  code: string;
  message: string;
}

export type PlanResult = { ok: true; plan: SendPlan } | { ok: false; refusal: Refusal };

const refuse = (code: string, message: string): PlanResult => ({
  ok: false,
  refusal: { code, message },
});

/** contactId when present, else the channel identity (the only choice in DISPATCH mode). */
export function recipientOf(command: AgentCommand): Recipient | null {
  if (command.contactId) return { contactId: command.contactId };
  if (command.channel && command.identity)
    return { channel: command.channel, identity: command.identity };
  return null;
}

/**
 * Pure: an agent command → the SinchApi call that carries it, or the reason it cannot be
 * sent (INVALID_COMMAND, MISSING_RECIPIENT, INVALID_CONVERSATION_METADATA, ...).
 */
export function planSend(command: AgentCommand): PlanResult {
  if (command.type === 'END_CONVERSATION') {
    if (!command.conversationId)
      return refuse('MISSING_CONVERSATION_ID', 'END_CONVERSATION needs the conversationId');
    return { ok: true, plan: { kind: 'stop', conversationId: command.conversationId } };
  }
  const recipient = recipientOf(command);
  if (!recipient)
    return refuse(
      'MISSING_RECIPIENT',
      'the command has neither contactId nor channel and identity',
    );
  const metadata = parseConversationMetadata(command.conversationMetadata);
  if (!metadata.ok) return refuse('INVALID_CONVERSATION_METADATA', metadata.message);
  const options: SendOptions = {
    appId: command.appId,
    recipient,
    ...(command.messageMetadata !== null && { messageMetadata: command.messageMetadata }),
    ...(metadata.value !== undefined && { conversationMetadata: metadata.value }),
  };
  switch (command.type) {
    case 'SEND_TEXT':
      if (!command.text) return refuse('INVALID_COMMAND', 'SEND_TEXT needs a non-empty text');
      return { ok: true, plan: { kind: 'text', options: { ...options, text: command.text } } };
    case 'SEND_MEDIA':
      if (!command.mediaUrl || !URL.canParse(command.mediaUrl))
        return refuse('INVALID_COMMAND', 'SEND_MEDIA needs a mediaUrl that is a URL');
      return {
        ok: true,
        plan: {
          kind: 'media',
          options: {
            ...options,
            url: command.mediaUrl,
            ...(command.fileName !== null && { fileName: command.fileName }),
          },
        },
      };
    case 'SEND_TEMPLATE':
      if (!command.templateName || !command.templateLanguage)
        return refuse('INVALID_COMMAND', 'SEND_TEMPLATE needs templateName and templateLanguage');
      return {
        ok: true,
        plan: {
          kind: 'template',
          options: {
            ...options,
            templateName: command.templateName,
            languageCode: command.templateLanguage,
            parameters: { ...command.templateParameters },
          },
        },
      };
    default:
      return refuse('INVALID_COMMAND', `unknown command type ${JSON.stringify(command.type)}`);
  }
}

function parseConversationMetadata(
  text: string | null,
): { ok: true; value: Record<string, unknown> | undefined } | { ok: false; message: string } {
  if (text === null || text === '') return { ok: true, value: undefined };
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === 'object' && !Array.isArray(value))
      return { ok: true, value: value as Record<string, unknown> };
  } catch {
    // reported below
  }
  return { ok: false, message: 'conversationMetadata must be the text of a JSON object' };
}
