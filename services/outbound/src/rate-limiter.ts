/**
 * Token bucket per key (a Sinch app): `perSecond` sends per second, bursts up to `perSecond`.
 * `take` resolves when the send may go. The clock and sleep are injectable for tests.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) =>
      new Promise((r) => setTimeout(r, ms)),
  ) {}

  /** Ms to wait before a send for `key` may go; reserves the token. */
  reserve(key: string): number {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.perSecond, at: now };
    bucket.tokens = Math.min(
      this.perSecond,
      bucket.tokens + ((now - bucket.at) * this.perSecond) / 1000,
    );
    bucket.at = now;
    bucket.tokens -= 1;
    this.buckets.set(key, bucket);
    return bucket.tokens >= 0 ? 0 : (-bucket.tokens * 1000) / this.perSecond;
  }

  async take(key: string): Promise<void> {
    const wait = this.reserve(key);
    if (wait > 0) await this.sleep(wait);
  }
}
