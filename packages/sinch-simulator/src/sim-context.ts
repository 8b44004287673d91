import type { Envelope } from './callbacks';
import type { SimState } from './sim-state';
import type { WebhookDispatcher } from './webhook-dispatcher';

/** What the routes, the delivery reporter and scripted customers share. */
export interface SimContext {
  projectId: string;
  state: SimState;
  dispatcher: WebhookDispatcher;
  now: () => Date;
  /** `http://127.0.0.1:<port>` once started. */
  baseUrl: () => string;
}

export function envelopeFor(
  ctx: SimContext,
  appId: string,
  extra: Partial<Envelope> = {},
): Envelope {
  return { appId, projectId: ctx.projectId, time: ctx.now().toISOString(), ...extra };
}
