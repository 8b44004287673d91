import { SinchApiError, type SinchApi } from '@cpm/sinch-api';
import type { Logger } from '@cpm/platform';
import { backoffMs, type RetryPolicy } from './backoff';
import type { Outcome } from './outbound-record';
import type { RateLimiter } from './rate-limiter';
import type { SendPlan } from './send-plan';

export interface SinchSenderOptions {
  api: SinchApi;
  limiter: RateLimiter;
  retry: RetryPolicy;
  logger: Logger;
}

/**
 * Carries out a send plan: rate-limited per app, retried with backoff while the error is
 * retriable (5xx, 429, network) and attempts remain; any other error fails at once. Never
 * throws: the result is the outcome to record.
 */
export class SinchSender {
  constructor(private readonly o: SinchSenderOptions) {}

  async execute(plan: SendPlan, appId: string): Promise<Outcome> {
    for (let attempt = 1; ; attempt++) {
      await this.o.limiter.take(appId);
      try {
        const result = await this.call(plan);
        return {
          outcome: 'SENT',
          attempt,
          sinchMessageId: result?.messageId ?? null,
          sinchAcceptedTime: result?.acceptedTime ?? null,
        };
      } catch (error) {
        const e = SinchApiError.from(plan.kind, error);
        if (!e.retriable || attempt >= this.o.retry.maxAttempts) {
          const exhausted = e.retriable ? ` (gave up after ${attempt} attempts)` : '';
          // The record keeps the API's reason (INVALID_ARGUMENT, NETWORK_ERROR, ...): an outcome for Contact Pro, not our error code.
          return {
            outcome: 'FAILED',
            attempt,
            errorCode: e.reason,
            errorMessage: `${e.message}${exhausted}`,
            httpStatus: e.apiHttpStatus,
          };
        }
        const wait = backoffMs(attempt, this.o.retry);
        this.o.logger.warn(
          { code: e.code, reason: e.reason, apiHttpStatus: e.apiHttpStatus, attempt, waitMs: wait },
          'retriable Sinch error; retrying',
        );
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  private async call(plan: SendPlan): Promise<{ messageId: string; acceptedTime: string } | null> {
    switch (plan.kind) {
      case 'text':
        return this.o.api.sendText(plan.options);
      case 'media':
        return this.o.api.sendMedia(plan.options);
      case 'template':
        return this.o.api.sendTemplate(plan.options);
      case 'choices':
        return this.o.api.sendChoices(plan.options);
      case 'consent':
        await this.o.api.registerConsent(plan.consent, plan.registration);
        return null;
      case 'stop':
        await this.o.api.stopConversation(plan.conversationId);
        return null;
    }
  }
}
