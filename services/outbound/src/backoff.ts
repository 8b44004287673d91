export interface RetryPolicy {
  maxAttempts: number;
  baseMs: number;
  maxMs: number;
}

/** Pure: the wait before attempt `attempt + 1` after `attempt` failed (1-based): base·2^(attempt−1), capped. */
export function backoffMs(attempt: number, policy: RetryPolicy): number {
  return Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
}
