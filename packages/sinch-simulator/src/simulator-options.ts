import type { DeliveryReportOptions } from './delivery-reporter';
import type { SimCredentials } from './routes/auth-routes';
import type { ProcessingMode, SimTemplate } from './sim-state';
import type { RetryPolicy } from './webhook-dispatcher';

export interface SimulatorAppOptions {
  id: string;
  displayName?: string;
  /** Default CONVERSATION (what Contact Pro needs). */
  processingMode?: ProcessingMode;
}

export interface SimulatorWebhookOptions {
  appId?: string;
  target: string;
  secret?: string;
  /** Default: every trigger the simulator sends. */
  triggers?: string[];
}

export interface SinchSimulatorOptions {
  /** Default `sim-project`. */
  projectId?: string;
  /** Default: one app `sim-app` in CONVERSATION mode. The first app is the default of customers and webhooks. */
  apps?: SimulatorAppOptions[];
  /** Webhooks registered before start (our ingress), in addition to any created through the API. */
  webhooks?: SimulatorWebhookOptions[];
  /** When set, the OAuth2 endpoint only accepts this key. Default: any key. */
  credentials?: SimCredentials;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** The business number customers write to (`sender_id`). Default `+15550100000`. */
  businessNumber?: string;
  delivery?: Partial<DeliveryReportOptions>;
  webhookRetry?: Partial<RetryPolicy>;
  /** The project's templates (Template Management API V2). Default: SAMPLE_TEMPLATES. */
  templates?: SimTemplate[];
  /** Clock of every timestamp the simulator writes. Default: the system clock. */
  now?: () => Date;
}

export const SIMULATED_TRIGGERS = [
  'MESSAGE_INBOUND',
  'MESSAGE_DELIVERY',
  'MESSAGE_SUBMIT',
  'CONVERSATION_START',
  'CONVERSATION_STOP',
  'CONTACT_CREATE',
  'CONTACT_UPDATE',
  'OPT_IN',
  'OPT_OUT',
  'UNSUPPORTED',
];
