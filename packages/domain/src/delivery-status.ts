/**
 * Delivery status of one agent message (docs/DOMAIN.md#delivery-status), from reports that can arrive out
 * of order: QUEUED_ON_CHANNEL → DELIVERED → READ, or FAILED, or SWITCHING_CHANNEL (this
 * channel failed, the next one is tried). The status only moves forward; READ and FAILED
 * are final; READ implies delivered; the reason of a channel switch is kept after the
 * message moves on, so the agent can see why it went to another channel.
 */
export interface DeliveryState {
  status: string;
  delivered: boolean;
  /** Reason of the current status (FAILED, SWITCHING_CHANNEL). */
  reason: string | null;
  /** Reason of the last SWITCHING_CHANNEL report, kept whatever follows. */
  switchReason: string | null;
}

export interface DeliveryReport {
  status: string;
  reason?: string | null;
}

/** Progress rank. Equal ranks: the later report wins (QUEUED_ON_CHANNEL on the next channel after a switch). */
const RANK: Record<string, number> = {
  QUEUED_ON_CHANNEL: 1,
  SWITCHING_CHANNEL: 1,
  DELIVERED: 2,
  READ: 3,
  FAILED: 3,
};
const FINAL = new Set(['READ', 'FAILED']);

/**
 * The state after one more report. A status we do not know (Sinch's values are open)
 * ranks lowest: it is recorded only while nothing else is known.
 */
export function nextDeliveryState(
  current: DeliveryState | undefined,
  report: DeliveryReport,
): DeliveryState {
  const advances =
    !current ||
    (!FINAL.has(current.status) && (RANK[report.status] ?? 0) >= (RANK[current.status] ?? 0));
  // A report that cannot move the status (after READ or FAILED, or a late one) changes nothing.
  if (current && !advances) return current;
  const reason = report.reason ?? null;
  return {
    status: report.status,
    delivered:
      (current?.delivered ?? false) || report.status === 'DELIVERED' || report.status === 'READ',
    reason,
    switchReason: report.status === 'SWITCHING_CHANNEL' ? reason : (current?.switchReason ?? null),
  };
}
