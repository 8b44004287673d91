import { randomUUID } from 'node:crypto';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { AppError, httpAnswer, sendError, type Logger, type Metrics } from '@cpm/platform';
import { KafkaUnavailableError, type BatchingSender, type SchemaCodec } from '@cpm/kafka';
import { keyringOf, signatureHeadersFrom } from '@cpm/sinch-webhooks';
import type { IngressConfig } from './config';
import { rejections, WebhookRejectedError } from './errors';
import { IngressBusyError, inflightBudget } from './inflight';
import { admitWebhook } from './raw-record';
import { Quarantine } from './quarantine';

export interface WebhookRouteDeps {
  config: IngressConfig;
  codec: SchemaCodec;
  sender: BatchingSender;
  quarantine: Quarantine;
  rawTopic: string;
  logger: Logger;
  metrics: Metrics;
  now?: () => number;
}

const isJson = (contentType: string | undefined): boolean =>
  /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(contentType ?? '');

/**
 * POST <webhook path>: verify, record, then acknowledge. The raw bytes are kept as
 * received (express.raw, never a JSON body parser), verified before any parsing, and
 * answered 200 only after Kafka acknowledged the record (acks=all).
 */
export function webhookRoute(deps: WebhookRouteDeps): Router {
  const { config, logger, metrics } = deps;
  const now = deps.now ?? Date.now;
  const router = Router();
  const dispatchWarned = new Set<string>();
  const keyring = keyringOf(config);

  router.post(
    config.INGRESS_WEBHOOK_PATH,
    inflightBudget(config.INGRESS_MAX_INFLIGHT_BYTES, config.INGRESS_BODY_LIMIT_BYTES, () =>
      metrics.webhookRequests.inc({ outcome: 'busy', trigger: '' }),
    ),
    (req: Request, _res: Response, next: NextFunction) => {
      next(
        isJson(req.headers['content-type'])
          ? undefined
          : rejections.unsupportedMediaType(req.headers['content-type']),
      );
    },
    express.raw({ type: () => true, limit: config.INGRESS_BODY_LIMIT_BYTES }),
    async (req: Request, res: Response, next: NextFunction) => {
      const started = performance.now();
      const receivedAt = now();
      const requestId = randomUUID();
      const body: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      try {
        const record = admitWebhook({
          requestId,
          body,
          contentType: req.headers['content-type'],
          headers: signatureHeadersFrom(req.headers),
          keyring,
          maxAgeSeconds: config.SIGNATURE_MAX_AGE_SECONDS ?? null,
          receivedAt,
          instance: config.INGRESS_INSTANCE_ID,
        });
        if (record.trigger === 'UNKNOWN') {
          metrics.unknownTriggers.inc();
          logger.warn(
            {
              requestId,
              keys: Object.keys(JSON.parse(body.toString('utf8')) as object).slice(0, 10),
            },
            'callback with no known trigger key: stored and flagged',
          );
        }
        if (record.processingMode === 'DISPATCH') {
          metrics.dispatchModeWebhooks.inc({ app_id: record.appId });
          if (!dispatchWarned.has(record.appId)) {
            dispatchWarned.add(record.appId);
            logger.warn(
              { appId: record.appId },
              'app is in DISPATCH mode: callbacks carry no contact or conversation ids. Contact Pro needs CONVERSATION mode; switch the app in the Sinch dashboard',
            );
          }
        }
        const value = await deps.codec.encode('sinch.webhooks.raw.v1', record);
        await deps.sender.send({
          topic: deps.rawTopic,
          key: record.customerKey,
          value,
          headers: { 'cpm-trigger': record.trigger },
        });
        metrics.webhookRequests.inc({ outcome: 'accepted', trigger: record.trigger });
        metrics.webhookLatency.observe({ outcome: 'accepted' }, performance.now() - started);
        res.status(200).json({ status: 'accepted', requestId, trigger: record.trigger });
      } catch (error) {
        if (error instanceof WebhookRejectedError && error.quarantine) {
          await deps.quarantine.keep({
            requestId,
            error,
            body,
            headers: req.headers,
            remoteAddress: req.socket.remoteAddress ?? null,
            receivedAt,
          });
        }
        (error as { requestId?: string }).requestId = requestId;
        next(error);
      } finally {
        if (res.headersSent === false)
          metrics.webhookLatency.observe({ outcome: 'error' }, performance.now() - started);
      }
    },
  );
  return router;
}

/**
 * The ingress's error handler: `{code, message}` (httpAnswer), never a 500 for input; a 503
 * with Retry-After whenever the webhook was not stored, so Sinch retries.
 */
export function errorAnswer(logger: Logger, metrics: Metrics, retryAfterSeconds: number) {
  let busyLoggedAt = 0;
  let busyRefusals = 0;
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const requestId = (error as { requestId?: string }).requestId;
    const retryLater = (): Response => res.set('Retry-After', String(retryAfterSeconds));
    if (error instanceof WebhookRejectedError) {
      metrics.webhookRequests.inc({ outcome: `rejected_${error.code}`, trigger: '' });
      logger.info({ requestId, code: error.code, status: error.httpStatus }, error.message);
      sendError(res, error, { requestId });
      return;
    }
    const bodyParserError = error as { type?: string; limit?: number };
    if (bodyParserError.type === 'entity.too.large') {
      const rejection = rejections.tooLarge(bodyParserError.limit ?? 0);
      metrics.webhookRequests.inc({ outcome: `rejected_${rejection.code}`, trigger: '' });
      sendError(res, rejection);
      return;
    }
    if (httpAnswer(error).body.code === 'CPM_ERR_BAD_REQUEST') {
      sendError(res, error);
      return;
    }
    if (error instanceof IngressBusyError) {
      // One line per 10 s at most: a burst refuses hundreds of requests.
      busyRefusals++;
      if (Date.now() - busyLoggedAt >= 10_000) {
        logger.warn(
          { code: error.code, err: error.message, refusedSinceLastLine: busyRefusals },
          'webhooks refused before their body was read: answered 503 so Sinch retries',
        );
        busyLoggedAt = Date.now();
        busyRefusals = 0;
      }
      sendError(retryLater(), error);
      return;
    }
    if (error instanceof KafkaUnavailableError) {
      metrics.webhookRequests.inc({ outcome: 'unavailable', trigger: '' });
      logger.warn(
        { requestId, code: error.code, err: error.message },
        'webhook not stored: answered 503 so Sinch retries',
      );
      sendError(retryLater(), error, { requestId });
      return;
    }
    // Anything else is our bug or an outage we did not foresee: still nothing acknowledged.
    const notStored = new AppError(
      'CPM_ERR_WEBHOOK_NOT_STORED',
      'the webhook was not stored; retry later',
      { cause: error },
    );
    metrics.webhookRequests.inc({ outcome: 'unavailable', trigger: '' });
    logger.error(
      { requestId, code: notStored.code, err: error, path: req.path },
      'unexpected error while storing a webhook',
    );
    sendError(retryLater(), notStored, { requestId });
  };
}
