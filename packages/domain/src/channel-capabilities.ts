/**
 * What an agent can send on each channel (docs/DOMAIN.md#what-the-agent-sends): the one table
 * the outbound service refuses commands by and the console hides its actions by. Pure, and
 * free of imports, so the console's browser bundle carries the same table.
 *
 * Sources: the Conversation API's native support per message type (choice and card messages
 * on WhatsApp, Messenger, Instagram, RCS, Viber, Telegram, LINE; media but no choices on MMS;
 * text only on SMS), WhatsApp templates (`channel_template.WHATSAPP`), and the opt-in and
 * opt-out registration, which the API takes for WhatsApp only. A kind the channel would only
 * transcode to text is refused rather than sent degraded.
 */
export const AGENT_COMMAND_TYPES = [
  'SEND_TEXT',
  'SEND_MEDIA',
  'SEND_CHOICES',
  'SEND_TEMPLATE',
  'END_CONVERSATION',
  'REGISTER_OPT_IN',
  'REGISTER_OPT_OUT',
] as const;

export type AgentCommandType = (typeof AGENT_COMMAND_TYPES)[number];

const TEXT_AND_MEDIA: readonly AgentCommandType[] = ['SEND_TEXT', 'SEND_MEDIA', 'END_CONVERSATION'];
const RICH: readonly AgentCommandType[] = [...TEXT_AND_MEDIA, 'SEND_CHOICES'];

/** Per channel, the command types it can carry. A channel not listed gets DEFAULT_CAPABILITIES. */
export const CHANNEL_CAPABILITIES: Readonly<Record<string, readonly AgentCommandType[]>> = {
  WHATSAPP: [...RICH, 'SEND_TEMPLATE', 'REGISTER_OPT_IN', 'REGISTER_OPT_OUT'],
  MESSENGER: RICH,
  INSTAGRAM: RICH,
  RCS: RICH,
  VIBERBM: RICH,
  VIBER: RICH,
  TELEGRAM: RICH,
  LINE: RICH,
  MMS: TEXT_AND_MEDIA,
  SMS: ['SEND_TEXT', 'END_CONVERSATION'],
};

/** Other channels (WeChat, KakaoTalk, Sinch Chat, ...): text and media, which every one carries. */
export const DEFAULT_CAPABILITIES: readonly AgentCommandType[] = TEXT_AND_MEDIA;

/** The stable code of a command refused because its channel cannot carry it. */
export const NOT_SUPPORTED_ON_CHANNEL = 'NOT_SUPPORTED_ON_CHANNEL';

export const capabilitiesOf = (channel: string): readonly AgentCommandType[] =>
  CHANNEL_CAPABILITIES[channel] ?? DEFAULT_CAPABILITIES;

export type CapabilityDecision =
  { ok: true } | { ok: false; code: typeof NOT_SUPPORTED_ON_CHANNEL; message: string };

/** Whether `channel` can carry a command of `type`, and if not, the reason to give the agent. */
export function checkChannelCapability(channel: string, type: string): CapabilityDecision {
  if ((capabilitiesOf(channel) as readonly string[]).includes(type)) return { ok: true };
  const known = (AGENT_COMMAND_TYPES as readonly string[]).includes(type);
  return {
    ok: false,
    code: NOT_SUPPORTED_ON_CHANNEL,
    message: known
      ? `${type} cannot be sent on ${channel || 'an unknown channel'}: ${REASONS[type as AgentCommandType] ?? 'the channel does not carry it'}`
      : `unknown command type ${JSON.stringify(type)}`,
  };
}

const REASONS: Partial<Record<AgentCommandType, string>> = {
  SEND_MEDIA: 'SMS carries text only (send it on MMS)',
  SEND_CHOICES: 'the channel has no buttons or cards (it would get plain text)',
  SEND_TEMPLATE: 'templates are WhatsApp templates',
  REGISTER_OPT_IN: 'opt-in registration is for WhatsApp',
  REGISTER_OPT_OUT: 'opt-out registration is for WhatsApp',
};
