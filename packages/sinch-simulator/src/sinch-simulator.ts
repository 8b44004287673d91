import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import {
  DEFAULT_DELIVERY_REPORT_OPTIONS,
  DeliveryReporter,
  type DeliveryStep,
} from './delivery-reporter';
import type { SimEndpoint } from './endpoints';
import { newId } from './ids';
import { RequestLog, type RecordedRequest } from './request-log';
import { appRoutes } from './routes/app-routes';
import { authRoutes } from './routes/auth-routes';
import { contactRoutes } from './routes/contact-routes';
import { consentRoutes } from './routes/consent-routes';
import { conversationRoutes } from './routes/conversation-routes';
import { mediaRoutes } from './routes/media-routes';
import { messageRoutes } from './routes/message-routes';
import type { RouteKit } from './routes/route-kit';
import { templateRoutes } from './routes/template-routes';
import { SAMPLE_TEMPLATES } from './sample-templates';
import { webhookRoutes } from './routes/webhook-routes';
import { ScriptedCustomer, type CustomerOptions } from './scripted-customer';
import { ScriptedResponses, type ScriptedResponse } from './scripted-responses';
import type { SimContext } from './sim-context';
import { SimState, type ProcessingMode, type SimWebhook } from './sim-state';
import { SIMULATED_TRIGGERS, type SinchSimulatorOptions } from './simulator-options';
import {
  DEFAULT_RETRY_POLICY,
  WebhookDispatcher,
  type WebhookDelivery,
} from './webhook-dispatcher';

export interface SinchSimulator {
  /** Listens (127.0.0.1, a free port by default); `url` serves both the API and the OAuth2 endpoint. */
  start(): Promise<{ url: string }>;
  /** Stops listening, pending reports and webhook retries. */
  stop(): Promise<void>;
  readonly url: string;
  readonly projectId: string;
  readonly state: SimState;
  /** Requests received, in order, optionally of one endpoint. */
  requests(endpoint?: SimEndpoint): RecordedRequest[];
  /** Scripted answers (status, delay, dropped connection) for the next requests to an endpoint. */
  failNext(endpoint: SimEndpoint, responses: ScriptedResponse[]): void;
  /** Delivery reports for the next accepted send, instead of the channel's defaults. */
  scriptDeliveryReports(steps: DeliveryStep[]): void;
  registerWebhook(webhook: {
    appId?: string;
    target: string;
    secret?: string;
    triggers?: string[];
  }): SimWebhook;
  setProcessingMode(appId: string, mode: ProcessingMode): void;
  customer(options: CustomerOptions): ScriptedCustomer;
  /** Finished webhook deliveries (after their last attempt). */
  readonly deliveries: readonly WebhookDelivery[];
  waitForDeliveries(
    predicate: (delivery: WebhookDelivery) => boolean,
    count?: number,
    timeoutMs?: number,
  ): Promise<WebhookDelivery[]>;
}

/** A Conversation API stand-in for tests, benchmarks and the local demo. */
export function createSinchSimulator(options: SinchSimulatorOptions = {}): SinchSimulator {
  const now = options.now ?? (() => new Date());
  const state = new SimState();
  for (const app of options.apps ?? [{ id: 'sim-app' }]) {
    state.apps.set(app.id, {
      id: app.id,
      display_name: app.displayName ?? app.id,
      processing_mode: app.processingMode ?? 'CONVERSATION',
    });
  }
  for (const template of options.templates ?? SAMPLE_TEMPLATES)
    state.templates.set(template.id, template);
  const defaultAppId = [...state.apps.keys()][0]!;
  const dispatcher = new WebhookDispatcher(
    state,
    { ...DEFAULT_RETRY_POLICY, ...options.webhookRetry },
    () => Math.floor(now().getTime() / 1000),
  );
  let server: Server | undefined;
  let url = '';
  const ctx: SimContext = {
    projectId: options.projectId ?? 'sim-project',
    state,
    dispatcher,
    now,
    baseUrl: () => url,
  };
  const kit: RouteKit = {
    ctx,
    log: new RequestLog(),
    scripted: new ScriptedResponses(),
    tokens: new Set(),
  };
  const reporter = new DeliveryReporter(ctx, {
    ...DEFAULT_DELIVERY_REPORT_OPTIONS,
    ...options.delivery,
  });

  const app = express();
  app.use(express.raw({ type: () => true, limit: '1mb' }));
  app.use(authRoutes(kit, options.credentials));
  app.use(messageRoutes(kit, reporter));
  app.use(conversationRoutes(kit));
  app.use(contactRoutes(kit));
  app.use(appRoutes(kit));
  app.use(consentRoutes(kit));
  app.use(templateRoutes(kit));
  app.use(webhookRoutes(kit));
  app.use(mediaRoutes());

  const registerWebhook: SinchSimulator['registerWebhook'] = (webhook) => {
    const registered: SimWebhook = {
      id: newId(now()),
      app_id: webhook.appId ?? defaultAppId,
      target: webhook.target,
      target_type: 'HTTP',
      secret: webhook.secret ?? '',
      triggers: webhook.triggers ?? [...SIMULATED_TRIGGERS],
    };
    state.webhooks.set(registered.id, registered);
    return registered;
  };
  options.webhooks?.forEach(registerWebhook);

  return {
    async start() {
      if (server) return { url };
      const listening = app.listen(options.port ?? 0, options.host ?? '127.0.0.1');
      await new Promise<void>((resolve, reject) =>
        listening.once('listening', resolve).once('error', reject),
      );
      server = listening;
      const address = listening.address() as AddressInfo;
      url = `http://${address.address}:${address.port}`;
      return { url };
    },
    async stop() {
      reporter.close();
      dispatcher.close();
      const closing = server;
      server = undefined;
      if (!closing) return;
      closing.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        closing.close((error) => (error ? reject(error) : resolve())),
      );
    },
    get url() {
      return url;
    },
    projectId: ctx.projectId,
    state,
    requests: (endpoint) => kit.log.all(endpoint),
    failNext: (endpoint, responses) => kit.scripted.failNext(endpoint, responses),
    scriptDeliveryReports: (steps) => reporter.scriptNext(steps),
    registerWebhook,
    setProcessingMode(appId, mode) {
      const known = state.apps.get(appId);
      if (!known) throw new Error(`unknown app ${appId}`);
      known.processing_mode = mode;
    },
    customer: (customer) =>
      new ScriptedCustomer(ctx, customer, {
        appId: defaultAppId,
        senderId: options.businessNumber ?? '+15550100000',
      }),
    get deliveries() {
      return dispatcher.deliveries;
    },
    waitForDeliveries: (predicate, count, timeoutMs) =>
      dispatcher.waitFor(predicate, count, timeoutMs),
  };
}
