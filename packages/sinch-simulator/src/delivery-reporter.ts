import { messageDelivery, messageSubmit } from './callbacks';
import { envelopeFor, type SimContext } from './sim-context';
import type { SimSentMessage } from './sim-state';

export type DeliveryStep =
  string | { status: string; reason: { code: string; description: string; sub_code: string } };

/** How the simulator reports on agent messages it accepted. */
export interface DeliveryReportOptions {
  /** Send MESSAGE_SUBMIT before the reports. Default true. */
  submitNotification: boolean;
  /** Delay before the first report and between reports. Default 20 ms. */
  stepDelayMs: number;
  /** Send the reports in reverse order (READ before DELIVERED ...). Default false. */
  outOfOrder: boolean;
  /** Send every report twice. Default false. */
  duplicate: boolean;
}

export const DEFAULT_DELIVERY_REPORT_OPTIONS: DeliveryReportOptions = {
  submitNotification: true,
  stepDelayMs: 20,
  outOfOrder: false,
  duplicate: false,
};

/** SMS and MMS report DELIVERED but never READ (docs/DOMAIN.md#delivery-status). */
export function defaultSteps(channel: string): DeliveryStep[] {
  return channel === 'SMS' || channel === 'MMS'
    ? ['QUEUED_ON_CHANNEL', 'DELIVERED']
    : ['QUEUED_ON_CHANNEL', 'DELIVERED', 'READ'];
}

/** Schedules MESSAGE_SUBMIT and MESSAGE_DELIVERY callbacks for each accepted send. */
export class DeliveryReporter {
  private readonly scripted: DeliveryStep[][] = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly ctx: SimContext,
    private readonly options: DeliveryReportOptions,
  ) {}

  /** The reports of the next accepted send, instead of the channel's default ones. */
  scriptNext(steps: DeliveryStep[]): void {
    this.scripted.push(steps);
  }

  schedule(sent: SimSentMessage, processingMode: string, steps?: DeliveryStep[]): void {
    const chosen = steps ?? this.scripted.shift() ?? defaultSteps(sent.channelIdentity.channel);
    const ordered = this.options.outOfOrder ? [...chosen].reverse() : chosen;
    const reports = this.options.duplicate ? ordered.flatMap((step) => [step, step]) : ordered;
    const common = {
      messageId: sent.id,
      conversationId: sent.conversationId,
      contactId: sent.contactId,
      channelIdentity: sent.channelIdentity,
      metadata: sent.messageMetadata,
      processingMode,
    };
    const callbacks = [
      ...(this.options.submitNotification
        ? [
            () =>
              this.emit(
                sent,
                'MESSAGE_SUBMIT',
                messageSubmit(this.envelope(sent), common, sent.message),
              ),
          ]
        : []),
      ...reports.map((step) => () => {
        const { status, reason } =
          typeof step === 'string' ? { status: step, reason: undefined } : step;
        return this.emit(
          sent,
          'MESSAGE_DELIVERY',
          messageDelivery(this.envelope(sent), { ...common, status, ...(reason && { reason }) }),
        );
      }),
    ];
    callbacks.forEach((send, index) => {
      const timer = setTimeout(
        () => {
          this.timers.delete(timer);
          send();
        },
        this.options.stepDelayMs * (index + 1),
      );
      this.timers.add(timer);
    });
  }

  close(): void {
    this.timers.forEach(clearTimeout);
    this.timers.clear();
  }

  private envelope(sent: SimSentMessage) {
    return envelopeFor(this.ctx, sent.appId, { correlationId: sent.correlationId });
  }

  private emit(sent: SimSentMessage, trigger: string, body: Record<string, unknown>): void {
    void this.ctx.dispatcher.dispatch(sent.appId, trigger, body);
  }
}
