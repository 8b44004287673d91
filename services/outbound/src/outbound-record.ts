import type { OutboundCommandType, OutboundOutcome, OutboundRecord } from '@cpm/contracts';
import type { AgentCommand } from './agent-command';

export interface Outcome {
  outcome: OutboundOutcome;
  attempt: number;
  sinchMessageId?: string | null;
  sinchAcceptedTime?: string | null;
  errorCode?: string | null;
  errorMessage?: string | null;
  httpStatus?: number | null;
}

const AUTHORS = new Set(['AGENT', 'PROMPT', 'ERROR']);

/** Pure: the sinch.outbound.v1 record of a command's outcome. */
export function outboundRecord(
  command: AgentCommand,
  customerKey: string,
  outcome: Outcome,
  completedAtMs: number,
): OutboundRecord {
  const params = command.templateParameters ?? {};
  return {
    commandId: command.commandId,
    attempt: outcome.attempt,
    outcome: outcome.outcome,
    commandType: command.type as OutboundCommandType,
    author: (AUTHORS.has(command.author) ? command.author : 'AGENT') as OutboundRecord['author'],
    appId: command.appId,
    contactId: command.contactId,
    conversationId: command.conversationId,
    channel: command.channel,
    identity: command.identity,
    customerKey,
    createdAt: new Date(Number(command.createdAt)).toISOString(),
    completedAt: new Date(completedAtMs).toISOString(),
    sinchMessageId: outcome.sinchMessageId ?? null,
    sinchAcceptedTime: outcome.sinchAcceptedTime ?? null,
    text: command.text,
    mediaUrl: command.mediaUrl,
    fileName: command.fileName,
    templateName: command.templateName,
    templateLanguage: command.templateLanguage,
    templateParamsJson: command.type === 'SEND_TEMPLATE' ? JSON.stringify(params) : null,
    messageMetadata: command.messageMetadata,
    conversationMetadata: command.conversationMetadata,
    errorCode: outcome.errorCode ?? null,
    errorMessage: outcome.errorMessage ?? null,
    httpStatus: outcome.httpStatus ?? null,
  };
}
