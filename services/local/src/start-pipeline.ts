/**
 * Test support for the whole-pipeline tests (pipeline.e2e, channels.e2e): every service in one
 * process as the demo runs it, on ports the system picks, through the given logger, with the
 * Sinch simulator posting signed webhooks to the real ingress and outbound sending to it.
 */
import { loadAgentEventsConfig, startAgentEvents } from '@cpm/agent-events';
import { hashPassword, loadConsoleConfig, startConsole, type AgentConsole } from '@cpm/console';
import { loadIngressConfig, startIngress, type Ingress } from '@cpm/ingress';
import { loadMediaConfig, startMedia } from '@cpm/media';
import { loadNormalizerConfig, startNormalizer } from '@cpm/normalizer';
import { loadOutboundConfig, startOutbound } from '@cpm/outbound';
import type { Logger } from '@cpm/platform';
import { loadProjectorConfig, startProjector } from '@cpm/projector';
import { createSinchSimulator, type SinchSimulator } from '@cpm/sinch-simulator';

export interface PipelineSecrets {
  webhook: string;
  sinchKeyId: string;
  sinchKeySecret: string;
  /** Needed with `media` and `console`. */
  mediaAgentToken?: string;
  mediaUrlSecret?: string;
  session?: string;
  /** The password of the console's one user, `agent`. */
  password?: string;
}

export interface PipelineOptions {
  /** Connection settings and namespace (TestEnv.env) plus any service setting. */
  env: NodeJS.ProcessEnv;
  logger: Logger;
  secrets: PipelineSecrets;
  /** Ingress, normalizer, agent-events, the simulator and outbound always run; these are optional. */
  with?: { projector?: boolean; media?: boolean; console?: boolean };
  /** Each started part's stop is pushed here as it starts, so a failed start still cleans up. */
  stops: (() => Promise<void>)[];
}

export interface Pipeline {
  ingress: Ingress;
  sim: SinchSimulator;
  projectorUrl: string | undefined;
  console: AgentConsole | undefined;
}

export async function startPipeline(o: PipelineOptions): Promise<Pipeline> {
  const { logger, secrets, stops } = o;
  const env = {
    ...o.env,
    SINCH_WEBHOOK_SECRETS: secrets.webhook,
    INGRESS_PORT: '0',
    NORMALIZER_HTTP_PORT: '0',
    AGENT_EVENTS_HTTP_PORT: '0',
    PROJECTOR_HTTP_PORT: '0',
    OUTBOUND_HTTP_PORT: '0',
    MEDIA_HTTP_PORT: '0',
    CONSOLE_HTTP_PORT: '0',
  };
  const sinch = {
    SINCH_PROJECT_ID: 'sim-project',
    SINCH_KEY_ID: secrets.sinchKeyId,
    SINCH_KEY_SECRET: secrets.sinchKeySecret,
  };
  const ingress = await startIngress(loadIngressConfig(env), logger.child({ service: 'ingress' }));
  stops.push(() => ingress.stop());
  const normalizer = await startNormalizer(
    loadNormalizerConfig(env),
    logger.child({ service: 'normalizer' }),
  );
  stops.push(() => normalizer.stop());
  const agentEvents = await startAgentEvents(
    loadAgentEventsConfig({ ...sinch, ...env }),
    logger.child({ service: 'agent-events' }),
  );
  stops.push(() => agentEvents.stop());
  let projectorUrl: string | undefined;
  if (o.with?.projector) {
    const projector = await startProjector(
      loadProjectorConfig(env),
      logger.child({ service: 'projector' }),
    );
    stops.push(() => projector.stop());
    projectorUrl = projector.url;
  }
  const sim = createSinchSimulator({
    webhooks: [{ target: ingress.webhookUrl, secret: secrets.webhook }],
  });
  const { url: simUrl } = await sim.start();
  stops.push(() => sim.stop());
  const outbound = await startOutbound(
    loadOutboundConfig({
      ...sinch,
      SINCH_CONVERSATION_BASE_URL: simUrl,
      SINCH_AUTH_BASE_URL: simUrl,
      ...env,
    }),
    logger.child({ service: 'outbound' }),
  );
  stops.push(() => outbound.stop());
  let mediaUrl: string | undefined;
  if (o.with?.media || o.with?.console) {
    const media = await startMedia(
      loadMediaConfig({
        MEDIA_ALLOWED_HOSTS: '127.0.0.1',
        MEDIA_AGENT_TOKEN: secrets.mediaAgentToken,
        MEDIA_URL_SECRET: secrets.mediaUrlSecret,
        ...env,
      }),
      { logger: logger.child({ service: 'media' }) },
    );
    stops.push(() => media.stop());
    mediaUrl = media.url;
  }
  let agentConsole: AgentConsole | undefined;
  if (o.with?.console) {
    agentConsole = await startConsole(
      loadConsoleConfig({
        CONSOLE_MEDIA_URL: mediaUrl,
        CONSOLE_MEDIA_TOKEN: secrets.mediaAgentToken,
        CONSOLE_USERS: `agent:${hashPassword(secrets.password ?? '')}`,
        CONSOLE_SESSION_SECRET: secrets.session,
        ...env,
      }),
      logger.child({ service: 'console' }),
    );
    const started = agentConsole;
    stops.push(() => started.stop());
  }
  return { ingress, sim, projectorUrl, console: agentConsole };
}
