import type { Emit, ProcessContext } from '@cpm/kafka';
import { sinchTimeToMs, type ConversationEvent } from '@cpm/domain';
import type { Logger, Metrics } from '@cpm/platform';
import type { AgentCommand } from './agent-command';
import { decideCommand } from './decide-command';
import { outboundRecord, type Outcome } from './outbound-record';
import { withCommand, withInbound, type OutboundState } from './outbound-state';
import type { SendPlan } from './send-plan';

export const COMMANDS = 'agent.commands.v1';
export const EVENTS = 'conversation.events.v1';
export const OUTBOUND = 'sinch.outbound.v1';
export const DLQ = 'sinch.outbound.v1.dlq';
export const UNKNOWN_OUTCOME = 'UNKNOWN_OUTCOME_AFTER_RESTART';

export interface OutboundHandlerOptions {
  /** Carries out a send plan (rate limit, retries); never throws: the outcome to record. */
  send: (plan: SendPlan, appId: string) => Promise<Outcome>;
  handledCapacity: number;
  logger: Logger;
  metrics: Metrics;
}

/**
 * The outbound service's handler on the TransactionalProcessor (inputs: agent.commands.v1
 * and, co-partitioned, conversation.events.v1). A conversation event updates the customer's
 * last inbound time; a command is decided (decideCommand) and its outcome emitted to
 * sinch.outbound.v1, in the batch's transaction. A command that calls Sinch is marked
 * SENDING and the call runs behind a checkpoint (ctx.commitThen): the marker, the batch so
 * far and the offset up to the command are committed before Sinch is called; the outcome
 * and the DONE marker go into the next transaction. A process that dies between the two
 * consumes the command again, finds it SENDING, and records it FAILED with
 * UNKNOWN_OUTCOME_AFTER_RESTART instead of sending it again (at most once).
 */
export function outboundHandler(o: OutboundHandlerOptions) {
  const { metrics, logger, handledCapacity } = o;
  return async (value: unknown, ctx: ProcessContext<OutboundState>): Promise<Emit[]> => {
    const { key, state } = ctx;
    if (ctx.topic === EVENTS) {
      const event = value as ConversationEvent;
      if (event.type !== 'MESSAGE_RECEIVED') return [];
      // A customer message: remember its accept time on its channel (the WhatsApp window).
      const acceptMs = sinchTimeToMs(event.message?.acceptedAt) ?? Number(event.occurredAtMs);
      const before = state.get(key);
      const next = withInbound(before, event.channel, acceptMs);
      if (next !== before) state.set(key, next);
      return [];
    }
    const command = value as AgentCommand;
    const decision = decideCommand(command, state.get(key));
    let outcome: Outcome;
    switch (decision.action) {
      case 'skip':
        metrics.duplicatesDropped.inc({ type: command.type });
        logger.info({ commandId: command.commandId }, 'command already handled; not sent again');
        return [];
      case 'unknown-outcome':
        outcome = {
          outcome: 'FAILED',
          attempt: 1,
          errorCode: UNKNOWN_OUTCOME,
          errorMessage:
            'the service stopped while sending this command; Sinch may or may not have accepted it, so it is not sent again',
        };
        break;
      case 'reject':
        outcome = {
          outcome: 'REJECTED',
          attempt: 1,
          errorCode: decision.refusal.code,
          errorMessage: decision.refusal.message,
        };
        break;
      case 'send':
        state.set(key, withCommand(state.get(key), command.commandId, 'SENDING', handledCapacity));
        // The SENDING marker is durable before Sinch is called.
        outcome = await ctx.commitThen(() => o.send(decision.plan, command.appId));
        break;
    }
    state.set(key, withCommand(state.get(key), command.commandId, 'DONE', handledCapacity));
    metrics.outboundSends.inc({ type: command.type, outcome: outcome.outcome });
    logger.info(
      {
        commandId: command.commandId,
        outcome: outcome.outcome,
        code: outcome.errorCode ?? null,
        attempt: outcome.attempt,
        offset: ctx.offset,
      },
      'command handled',
    );
    return [
      {
        topic: OUTBOUND,
        key,
        type: outcome.outcome,
        value: outboundRecord(command, key, outcome, Date.now()),
      },
    ];
  };
}
