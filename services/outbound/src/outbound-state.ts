/**
 * The outbound service's state per customer key, restored from its changelog
 * (`outbound.state.v1`):
 * - `commands`: command ids already handled (DONE) or whose send was started (SENDING),
 *   oldest first, bounded; what makes a retried or replayed command never send twice;
 * - `lastInboundAcceptMs`: per channel, the accept time of the customer's last message
 *   (from MESSAGE_RECEIVED on conversation.events.v1), for WhatsApp's 24 h window.
 */
export type CommandStatus = 'SENDING' | 'DONE';

export interface OutboundState {
  commands: [commandId: string, status: CommandStatus][];
  lastInboundAcceptMs: Record<string, number>;
}

export const initialOutboundState = (): OutboundState => ({
  commands: [],
  lastInboundAcceptMs: {},
});

export function statusOf(state: OutboundState, commandId: string): CommandStatus | null {
  for (let i = state.commands.length - 1; i >= 0; i--)
    if (state.commands[i]![0] === commandId) return state.commands[i]![1];
  return null;
}

/** A new state with the command at `status`; the oldest ids beyond `capacity` are forgotten. */
export function withCommand(
  state: OutboundState,
  commandId: string,
  status: CommandStatus,
  capacity: number,
): OutboundState {
  const commands = state.commands.filter(([id]) => id !== commandId);
  commands.push([commandId, status]);
  return { ...state, commands: commands.slice(Math.max(0, commands.length - capacity)) };
}

/** A new state knowing the customer's message accepted at `acceptMs` on `channel` (never moves back). */
export function withInbound(
  state: OutboundState,
  channel: string,
  acceptMs: number,
): OutboundState {
  const known = state.lastInboundAcceptMs[channel];
  if (known !== undefined && known >= acceptMs) return state;
  return { ...state, lastInboundAcceptMs: { ...state.lastInboundAcceptMs, [channel]: acceptMs } };
}
