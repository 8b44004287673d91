// The agent.events.v1 contract is shared with its readers: it lives in @cpm/contracts.
export type {
  AgentEvent,
  AgentEventType,
  AgentMessage,
  AgentAttachment,
  AgentQuoted,
} from '@cpm/contracts';
