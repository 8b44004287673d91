import type { IncomingHttpHeaders } from 'node:http';
import type { RejectedWebhookRecord } from '@cpm/contracts';
import type { Logger } from '@cpm/platform';
import type { BatchingSender, SchemaCodec } from '@cpm/kafka';
import type { WebhookRejectedError } from './errors';

const KEPT_HEADERS = /^(x-sinch-|content-type$|content-length$|user-agent$)/;

/**
 * Keeps refused requests, size-bounded, on sinch.webhooks.rejected.v1 so callbacks lost to
 * a misconfigured secret can be recovered. Best effort: if Kafka is down the request is
 * refused all the same (it was not valid), and the failure is logged.
 */
export class Quarantine {
  constructor(
    private readonly deps: {
      codec: SchemaCodec;
      sender: BatchingSender;
      topic: string;
      maxBytes: number;
      instance: string;
      logger: Logger;
    },
  ) {}

  async keep(input: {
    requestId: string;
    error: WebhookRejectedError;
    body: Buffer;
    headers: IncomingHttpHeaders;
    remoteAddress: string | null;
    receivedAt: number;
  }): Promise<void> {
    const { maxBytes } = this.deps;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(input.headers)) {
      if (KEPT_HEADERS.test(name) && value !== undefined)
        headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    try {
      const record: RejectedWebhookRecord = {
        requestId: input.requestId,
        reason: input.error.code,
        message: input.error.message,
        httpStatus: input.error.httpStatus,
        body: input.body.subarray(0, maxBytes),
        bodyTruncated: input.body.length > maxBytes,
        bodySize: input.body.length,
        headers,
        remoteAddress: input.remoteAddress,
        receivedAt: input.receivedAt,
        ingressInstance: this.deps.instance,
      };
      const value = await this.deps.codec.encode('sinch.webhooks.rejected.v1', record);
      await this.deps.sender.send({ topic: this.deps.topic, key: input.requestId, value });
    } catch (error) {
      this.deps.logger.error(
        { requestId: input.requestId, err: (error as Error).message },
        'could not quarantine a rejected request',
      );
    }
  }
}
