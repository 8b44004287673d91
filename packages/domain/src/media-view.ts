import type { AgentEvent, MediaOutcome } from '@cpm/contracts';
import type { AgentState } from './agent-state';
import { agentEventIdOf } from './agent-view';
import { customerName } from './display-name';

/**
 * A customer attachment downloaded (READY: the agent's internal link) or not (FAILED, with
 * the reason as the status reason). Pure; the channel comes from the customer's state.
 */
export type { MediaOutcome };

export function mediaView(
  outcome: MediaOutcome,
  state: AgentState,
  mediaBaseUrl: string,
): AgentEvent {
  const ready = outcome.status === 'READY';
  const type = ready ? 'ATTACHMENT_READY' : 'ATTACHMENT_FAILED';
  const name = customerName(state.displayName, state.identity);
  return {
    eventId: agentEventIdOf(type, outcome.eventId),
    type,
    occurredAt: Number(outcome.occurredAt),
    customerKey: outcome.customerKey,
    appId: outcome.appId,
    conversationId: outcome.conversationId,
    contactId: outcome.contactId,
    channel: state.channel,
    sourceChannel: state.sourceChannel,
    customer: { identity: state.identity, displayName: name.displayName, label: name.label },
    message: {
      id: outcome.messageId,
      direction: 'TO_APP',
      text: null,
      attachments: [
        {
          id: outcome.attachmentId,
          contentType: outcome.contentType,
          url:
            ready && outcome.storageKey
              ? `${mediaBaseUrl.replace(/\/$/, '')}/${encodeURIComponent(outcome.storageKey)}`
              : null,
          fileName: outcome.fileName,
          sizeBytes: outcome.sizeBytes === null ? null : Number(outcome.sizeBytes),
          status: ready ? 'READY' : 'FAILED',
        },
      ],
      location: null,
      quoted: null,
      quoteHiddenReason: null,
      // An update of the message's attachment only: its content came with MESSAGE_RECEIVED.
      kind: null,
      choice: null,
      products: [],
      fields: {},
      contentJson: null,
    },
    attachedData: {},
    attachedDataError: null,
    status: ready
      ? null
      : { messageId: outcome.messageId, status: 'FAILED', reason: outcome.reason },
    consent: null,
    times: null,
  };
}
