/**
 * What the console's view is made of: records of three topics, as decoded. Mirrors the Avro
 * contracts (schemas/agent.events.v1.avsc, agent.commands.v1.avsc, sinch.outbound.v1.avsc)
 * field for field where the console reads them. Type-only imports: the browser bundle erases them.
 */
// The two modules, not the package's index: the index also holds Node-only types (Buffer).
import type { AgentCommand } from '@cpm/contracts/agent-command';
import type {
  AgentAttachment,
  AgentChoice,
  AgentEvent,
  AgentMessage,
  AgentQuoted,
} from '@cpm/contracts/agent-event';

export type { AgentAttachment, AgentChoice, AgentCommand, AgentEvent, AgentMessage, AgentQuoted };
export type AgentLocation = NonNullable<AgentMessage['location']>;

/** The fields of a sinch.outbound.v1 record the console shows (a command's outcome). */
export interface OutboundOutcome {
  commandId: string;
  outcome: string;
  commandType: string;
  customerKey: string;
  channel: string;
  completedAt: string;
  sinchMessageId: string | null;
  text: string | null;
  templateName: string | null;
  errorCode: string | null;
  errorMessage: string | null;
}

/** One record the console consumed, tagged by its topic; the same inputs go to the browser. */
export type ConsoleInput =
  | { kind: 'event'; customerKey: string; event: AgentEvent }
  | { kind: 'command'; customerKey: string; command: AgentCommand }
  | { kind: 'outcome'; customerKey: string; outcome: OutboundOutcome };
