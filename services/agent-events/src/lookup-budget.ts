/**
 * Rate limit of display-name look-ups, per Sinch app: a token bucket of `perSecond`
 * tokens. Never waits (a wait inside a Kafka transaction could outlast it): over the
 * budget, the event goes on with the identity as label, and the customer's next event
 * asks again. Nothing is recorded for a skipped look-up, so a replay labels it the same.
 */
export class LookupBudget {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  tryTake(appId: string): boolean {
    const now = this.now();
    const bucket = this.buckets.get(appId) ?? { tokens: this.perSecond, at: now };
    bucket.tokens = Math.min(
      this.perSecond,
      bucket.tokens + ((now - bucket.at) * this.perSecond) / 1000,
    );
    bucket.at = now;
    this.buckets.set(appId, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
