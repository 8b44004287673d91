import { z } from 'zod';
import type { AgentCommand } from './console-input';
import type { ConversationView } from './view-model';
import { InvalidReplyError } from './errors';

/** What the reply box posts. */
export const replySchema = z.discriminatedUnion('type', [
  z.object({
    customerKey: z.string().min(1),
    type: z.literal('SEND_TEXT'),
    text: z.string().trim().min(1, 'text is empty').max(4096),
  }),
  z.object({
    customerKey: z.string().min(1),
    type: z.literal('SEND_TEMPLATE'),
    templateName: z.string().trim().min(1, 'template name is empty'),
    templateLanguage: z.string().trim().min(2, 'template language, e.g. en_US'),
    templateParameters: z.record(z.string(), z.string()).default({}),
  }),
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

/** Pure: the agent.commands.v1 value of a reply to a conversation (its key is the customer key). */
export function replyCommand(
  conversation: ConversationView,
  reply: Reply,
  o: { commandId: string; now: number; agentId: string | null },
): AgentCommand {
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
    text: reply.type === 'SEND_TEXT' ? reply.text : null,
    mediaUrl: null,
    fileName: null,
    templateName: reply.type === 'SEND_TEMPLATE' ? reply.templateName : null,
    templateLanguage: reply.type === 'SEND_TEMPLATE' ? reply.templateLanguage : null,
    templateParameters: reply.type === 'SEND_TEMPLATE' ? reply.templateParameters : {},
    messageMetadata: null,
    conversationMetadata: null,
  };
}
