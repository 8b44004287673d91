import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { signWebhook } from '@cpm/sinch-webhooks';
import type { SimState, SimWebhook } from './sim-state';

/** How callbacks are retried when the target does not answer 2xx (Sinch's schedule is undocumented). */
export interface RetryPolicy {
  /** Attempts in all, the first included. Default 4. */
  maxAttempts: number;
  /** Wait before the first retry; doubles each time. Default 50 ms. */
  baseDelayMs: number;
  /** Cap of the wait between attempts. Default 2000 ms. */
  maxDelayMs: number;
  /** HTTP timeout of one attempt. Default 5000 ms. */
  timeoutMs: number;
  /** Whether an answer is retried. Default: every non-2xx (network errors always are). */
  retryOn: (status: number) => boolean;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 50,
  maxDelayMs: 2_000,
  timeoutMs: 5_000,
  retryOn: (status) => status < 200 || status >= 300,
};

export interface DeliveryAttempt {
  /** HTTP status, or null when the request failed (connection refused, timeout). */
  status: number | null;
  error?: string;
}

/** One callback to one webhook, after its last attempt. */
export interface WebhookDelivery {
  webhookId: string;
  target: string;
  trigger: string;
  body: Record<string, unknown>;
  /** The exact bytes sent (what the signature covers). */
  rawBody: string;
  headers: Record<string, string>;
  attempts: DeliveryAttempt[];
  delivered: boolean;
}

/**
 * Sends callbacks to every webhook of the app subscribed to the trigger, signed with the
 * webhook's secret (random nonce, timestamp now). A retry re-sends the same bytes and headers,
 * as a real retried callback may carry an old timestamp.
 */
export class WebhookDispatcher {
  readonly deliveries: WebhookDelivery[] = [];
  private readonly events = new EventEmitter();
  private readonly aborter = new AbortController();

  constructor(
    private readonly state: SimState,
    private readonly retry: RetryPolicy,
    private readonly nowSeconds: () => number,
  ) {}

  async dispatch(
    appId: string,
    trigger: string,
    body: Record<string, unknown>,
  ): Promise<WebhookDelivery[]> {
    const targets = [...this.state.webhooks.values()].filter(
      (webhook) =>
        webhook.app_id === appId &&
        webhook.target_type === 'HTTP' &&
        webhook.triggers.includes(trigger),
    );
    return Promise.all(targets.map((webhook) => this.deliver(webhook, trigger, body)));
  }

  /** Resolves with the first `count` finished deliveries that match, waiting for them if needed. */
  waitFor(
    predicate: (delivery: WebhookDelivery) => boolean,
    count = 1,
    timeoutMs = 5_000,
  ): Promise<WebhookDelivery[]> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const matching = this.deliveries.filter(predicate);
        if (matching.length < count) return false;
        clearTimeout(timer);
        this.events.off('delivery', check);
        resolve(matching.slice(0, count));
        return true;
      };
      const timer = setTimeout(() => {
        this.events.off('delivery', check);
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${count} webhook deliveries (have ${this.deliveries.filter(predicate).length})`,
          ),
        );
      }, timeoutMs);
      if (!check()) this.events.on('delivery', check);
    });
  }

  /** Stops retries and in-flight requests. */
  close(): void {
    this.aborter.abort();
  }

  private async deliver(
    webhook: SimWebhook,
    trigger: string,
    body: Record<string, unknown>,
  ): Promise<WebhookDelivery> {
    const rawBody = JSON.stringify(body);
    const signature = webhook.secret
      ? signWebhook(
          Buffer.from(rawBody, 'utf8'),
          webhook.secret,
          randomBytes(16).toString('hex').toUpperCase(),
          this.nowSeconds(),
        )
      : {};
    const headers = { 'content-type': 'application/json', ...signature };
    const delivery: WebhookDelivery = {
      webhookId: webhook.id,
      target: webhook.target,
      trigger,
      body,
      rawBody,
      headers,
      attempts: [],
      delivered: false,
    };
    for (
      let attempt = 1;
      attempt <= this.retry.maxAttempts && !this.aborter.signal.aborted;
      attempt += 1
    ) {
      if (attempt > 1)
        await this.sleep(
          Math.min(this.retry.baseDelayMs * 2 ** (attempt - 2), this.retry.maxDelayMs),
        );
      const result = await this.post(webhook.target, rawBody, headers);
      delivery.attempts.push(result);
      if (result.status !== null && result.status >= 200 && result.status < 300) {
        delivery.delivered = true;
        break;
      }
      if (result.status !== null && !this.retry.retryOn(result.status)) break;
    }
    this.deliveries.push(delivery);
    this.events.emit('delivery');
    return delivery;
  }

  private async post(
    target: string,
    rawBody: string,
    headers: Record<string, string>,
  ): Promise<DeliveryAttempt> {
    try {
      const signal = AbortSignal.any([
        this.aborter.signal,
        AbortSignal.timeout(this.retry.timeoutMs),
      ]);
      const response = await fetch(target, { method: 'POST', body: rawBody, headers, signal });
      await response.arrayBuffer();
      return { status: response.status };
    } catch (error) {
      return { status: null, error: error instanceof Error ? error.message : String(error) };
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.aborter.signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
  }
}
