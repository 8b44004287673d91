/**
 * Test helpers of the console: agent.events.v1 values as the agent-events service writes them
 * (the contract, schemas/agent.events.v1.avsc), commands and outcomes. `outcome` builds the
 * console's own OutboundOutcome (src/console-input.ts) and only the console's tests use them,
 * so they live in this service's test folder, not in packages/testkit, which never depends on a service.
 */
import type { AgentCommand, AgentEvent, AgentMessage, OutboundOutcome } from '../src/console-input';
import { NO_COMMAND_CONTENT } from '@cpm/testkit';

export const T0 = Date.UTC(2026, 10, 1, 10, 0, 0);

export function agentEvent(
  type: AgentEvent['type'],
  o: Partial<AgentEvent> & { customerKey?: string } = {},
): AgentEvent {
  return {
    eventId: `ev-${type}-${Math.random().toString(36).slice(2)}`,
    type,
    occurredAt: T0,
    customerKey: 'app1:contact-anna',
    appId: 'app1',
    conversationId: 'conv-anna',
    contactId: 'contact-anna',
    channel: 'WHATSAPP',
    sourceChannel: 'WHATSAPP',
    customer: { identity: '+46700000001', displayName: 'Anna Svensson', label: 'Anna Svensson' },
    message: null,
    attachedData: {},
    attachedDataError: null,
    status: null,
    consent: null,
    ...o,
  };
}

export function agentMessage(o: Partial<AgentMessage> & { id: string }): AgentMessage {
  return {
    direction: 'TO_APP',
    text: null,
    attachments: [],
    location: null,
    quoted: null,
    quoteHiddenReason: null,
    kind: 'TEXT',
    choice: null,
    products: [],
    fields: {},
    contentJson: null,
    ...o,
  };
}

export function outcome(o: Partial<OutboundOutcome> & { commandId: string }): OutboundOutcome {
  return {
    outcome: 'SENT',
    commandType: 'SEND_TEXT',
    customerKey: 'app1:contact-anna',
    channel: 'WHATSAPP',
    completedAt: new Date(T0).toISOString(),
    sinchMessageId: null,
    text: null,
    templateName: null,
    errorCode: null,
    errorMessage: null,
    ...o,
  };
}

export function command(o: Partial<AgentCommand> & { commandId: string }): AgentCommand {
  return {
    createdAt: T0,
    type: 'SEND_TEXT',
    appId: 'app1',
    contactId: 'contact-anna',
    conversationId: 'conv-anna',
    channel: 'WHATSAPP',
    identity: '+46700000001',
    author: 'AGENT',
    agentId: null,
    ...NO_COMMAND_CONTENT,
    text: 'hello',
    ...o,
  };
}
