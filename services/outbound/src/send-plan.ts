import { AGENT_COMMAND_TYPES, checkChannelCapability } from '@cpm/domain';
import type {
  ChoiceItem,
  ChoicesContent,
  ConsentRegistration,
  MediaContent,
  Recipient,
  SendOptions,
  WhatsAppTemplateContent,
} from '@cpm/sinch-api';
import type { AgentCommand, AgentChoiceItem } from '@cpm/contracts';

/** What to call on SinchApi for a command. */
export type SendPlan =
  | { kind: 'text'; options: SendOptions & { text: string } }
  | { kind: 'media'; options: SendOptions & MediaContent }
  | { kind: 'template'; options: SendOptions & WhatsAppTemplateContent }
  | { kind: 'choices'; options: SendOptions & ChoicesContent }
  | { kind: 'consent'; consent: 'OPT_IN' | 'OPT_OUT'; registration: ConsentRegistration }
  | { kind: 'stop'; conversationId: string };

/** Buttons a choice message may carry (the Conversation API's limit). */
export const MAX_CHOICES = 10;
const KNOWN_TYPES: ReadonlySet<string> = new Set(AGENT_COMMAND_TYPES);

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
 * sent (INVALID_COMMAND, NOT_SUPPORTED_ON_CHANNEL, MISSING_RECIPIENT,
 * INVALID_CONVERSATION_METADATA, ...). What each channel carries is the domain's table
 * (checkChannelCapability), the one the console hides its actions by.
 */
export function planSend(command: AgentCommand): PlanResult {
  if (!KNOWN_TYPES.has(command.type))
    return refuse('INVALID_COMMAND', `unknown command type ${JSON.stringify(command.type)}`);
  // END_CONVERSATION stops a conversation by its id, whatever its channel.
  if (command.type === 'END_CONVERSATION') {
    if (!command.conversationId)
      return refuse('MISSING_CONVERSATION_ID', 'END_CONVERSATION needs the conversationId');
    return { ok: true, plan: { kind: 'stop', conversationId: command.conversationId } };
  }
  const capable = checkChannelCapability(command.channel, command.type);
  if (!capable.ok) return refuse(capable.code, capable.message);
  const recipient = recipientOf(command);
  if (!recipient)
    return refuse(
      'MISSING_RECIPIENT',
      'the command has neither contactId nor channel and identity',
    );
  if (command.type === 'REGISTER_OPT_IN' || command.type === 'REGISTER_OPT_OUT')
    return {
      ok: true,
      plan: {
        kind: 'consent',
        consent: command.type === 'REGISTER_OPT_IN' ? 'OPT_IN' : 'OPT_OUT',
        registration: { appId: command.appId, recipient, channels: [command.channel] },
      },
    };
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
    case 'SEND_CHOICES': {
      if (!command.text) return refuse('INVALID_COMMAND', 'SEND_CHOICES needs a non-empty text');
      const choices = (command.choices ?? []).map(choiceItem);
      if (choices.length === 0 || choices.length > MAX_CHOICES)
        return refuse('INVALID_COMMAND', `SEND_CHOICES needs 1 to ${MAX_CHOICES} choices`);
      const bad = choices.find((c): c is string => typeof c === 'string');
      if (bad !== undefined) return refuse('INVALID_COMMAND', bad);
      if (command.mediaUrl !== null && !URL.canParse(command.mediaUrl))
        return refuse('INVALID_COMMAND', 'the card image (mediaUrl) must be a URL');
      return {
        ok: true,
        plan: {
          kind: 'choices',
          options: {
            ...options,
            text: command.text,
            choices: choices as ChoiceItem[],
            ...(command.title && { title: command.title }),
            ...(command.mediaUrl && { mediaUrl: command.mediaUrl }),
          },
        },
      };
    }
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

/** A command's button → the API's choice, or the reason it is not one. */
function choiceItem(item: AgentChoiceItem): ChoiceItem | string {
  if (!item.title) return 'every choice needs a title';
  const postback = item.postbackData ? { postbackData: item.postbackData } : {};
  switch (item.kind) {
    case 'TEXT':
      return { kind: 'TEXT', title: item.title, ...postback };
    case 'URL':
      return item.url && URL.canParse(item.url)
        ? { kind: 'URL', title: item.title, url: item.url, ...postback }
        : `the URL choice ${JSON.stringify(item.title)} needs a url`;
    case 'CALL':
      return item.phoneNumber
        ? { kind: 'CALL', title: item.title, phoneNumber: item.phoneNumber, ...postback }
        : `the CALL choice ${JSON.stringify(item.title)} needs a phoneNumber`;
    default:
      return `unknown choice kind ${JSON.stringify(item.kind)} (TEXT, URL or CALL)`;
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
