import { z } from 'zod';
import { checkChannelCapability } from '@cpm/domain/channel-capabilities';
import type { AgentCommand } from './console-input';
import type { ConversationView } from './view-model';
import { InvalidReplyError } from './errors';

const key = { customerKey: z.string().min(1) };
const choice = z.object({
  kind: z.enum(['TEXT', 'URL', 'CALL']).default('TEXT'),
  title: z.string().trim().min(1, 'a choice needs a title').max(20),
  postbackData: z.string().max(256).nullable().default(null),
  url: z.url().nullable().default(null),
  phoneNumber: z.string().nullable().default(null),
});

/** What the console's actions post. */
export const replySchema = z.discriminatedUnion('type', [
  z.object({
    ...key,
    type: z.literal('SEND_TEXT'),
    text: z.string().trim().min(1, 'text is empty').max(4096),
  }),
  z.object({
    ...key,
    type: z.literal('SEND_MEDIA'),
    mediaUrl: z.url('mediaUrl: the URL the upload answered'),
    fileName: z.string().max(200).nullable().default(null),
  }),
  z.object({
    ...key,
    type: z.literal('SEND_CHOICES'),
    text: z.string().trim().min(1, 'text is empty').max(1024),
    title: z.string().trim().max(80).nullable().default(null),
    mediaUrl: z.url().nullable().default(null),
    choices: z.array(choice).min(1, 'at least one choice').max(10, 'at most 10 choices'),
  }),
  z.object({
    ...key,
    type: z.literal('SEND_TEMPLATE'),
    templateName: z.string().trim().min(1, 'template name is empty'),
    templateLanguage: z.string().trim().min(2, 'template language, e.g. en_US'),
    templateParameters: z.record(z.string(), z.string()).default({}),
  }),
  z.object({ ...key, type: z.literal('END_CONVERSATION') }),
  z.object({ ...key, type: z.literal('REGISTER_OPT_IN') }),
  z.object({ ...key, type: z.literal('REGISTER_OPT_OUT') }),
]);
export type Reply = z.infer<typeof replySchema>;

export function parseReply(body: unknown): Reply {
  const result = replySchema.safeParse(body);
  if (!result.success)
    throw new InvalidReplyError(
      result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
    );
  return result.data;
}

/**
 * Pure: the agent.commands.v1 value of a reply to a conversation (its key is the customer
 * key). A reply the conversation's channel cannot carry is refused here already, by the same
 * table the outbound service refuses it by.
 */
export function replyCommand(
  conversation: ConversationView,
  reply: Reply,
  o: { commandId: string; now: number; agentId: string | null },
): AgentCommand {
  const capable = checkChannelCapability(conversation.channel, reply.type);
  if (!capable.ok) throw new InvalidReplyError(capable.message);
  return {
    commandId: o.commandId,
    createdAt: o.now,
    type: reply.type,
    appId: conversation.appId,
    contactId: conversation.contactId,
    conversationId: conversation.conversationId,
    channel: conversation.channel,
    identity: conversation.identity,
    author: 'AGENT',
    agentId: o.agentId,
    text: reply.type === 'SEND_TEXT' || reply.type === 'SEND_CHOICES' ? reply.text : null,
    mediaUrl: reply.type === 'SEND_MEDIA' || reply.type === 'SEND_CHOICES' ? reply.mediaUrl : null,
    fileName: reply.type === 'SEND_MEDIA' ? reply.fileName : null,
    templateName: reply.type === 'SEND_TEMPLATE' ? reply.templateName : null,
    templateLanguage: reply.type === 'SEND_TEMPLATE' ? reply.templateLanguage : null,
    templateParameters: reply.type === 'SEND_TEMPLATE' ? reply.templateParameters : {},
    messageMetadata: null,
    conversationMetadata: null,
    title: reply.type === 'SEND_CHOICES' ? reply.title : null,
    choices: reply.type === 'SEND_CHOICES' ? reply.choices : [],
  };
}
