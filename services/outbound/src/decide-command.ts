import { checkWhatsAppWindow } from '@cpm/domain';
import type { AgentCommand } from './agent-command';
import { statusOf, type OutboundState } from './outbound-state';
import { planSend, type Refusal, type SendPlan } from './send-plan';

export type CommandDecision =
  | { action: 'skip' } // already handled: a retried or replayed command
  | { action: 'unknown-outcome' } // a send was started and the process died before its outcome was committed
  | { action: 'reject'; refusal: Refusal }
  | { action: 'send'; plan: SendPlan };

export const OUTSIDE_WINDOW = 'OUTSIDE_ALLOWED_SENDING_WINDOW';

/**
 * Pure: what to do with a command, given the customer's state. The WhatsApp window is decided
 * from the log: the command's createdAt against the accept time of the customer's last
 * message on that channel, as the state learnt it from conversation.events.v1.
 */
export function decideCommand(command: AgentCommand, state: OutboundState): CommandDecision {
  const status = statusOf(state, command.commandId);
  if (status === 'DONE') return { action: 'skip' };
  if (status === 'SENDING') return { action: 'unknown-outcome' };
  const planned = planSend(command);
  if (!planned.ok) return { action: 'reject', refusal: planned.refusal };
  const window = checkWhatsAppWindow({
    channel: command.channel,
    commandType: command.type,
    commandCreatedAtMs: Number(command.createdAt),
    lastInboundAcceptMs: state.lastInboundAcceptMs[command.channel] ?? null,
  });
  if (!window.allowed) {
    const why =
      window.reason === 'NO_CUSTOMER_MESSAGE'
        ? 'the customer has never written on WhatsApp'
        : 'the customer last wrote more than 24 h before the command';
    return {
      action: 'reject',
      refusal: {
        code: OUTSIDE_WINDOW,
        message: `${why}: only templates may be sent (${window.reason})`,
      },
    };
  }
  return { action: 'send', plan: planned.plan };
}
