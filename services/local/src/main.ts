/**
 * The local default in one process: infra up, migrations, topics and schemas, every
 * service, and the Sinch simulator playing customers through the real ingress.
 * `npm run demo`. Ctrl-C stops the services (the infra keeps running: `npm run infra:down`).
 */
import { randomBytes } from 'node:crypto';
import { createLogger } from '@cpm/platform';
import { migrate } from '@cpm/postgres';
import { createSinchSimulator } from '@cpm/sinch-simulator';
import { loadIngressConfig, startIngress } from '@cpm/ingress';
import { loadNormalizerConfig, startNormalizer } from '@cpm/normalizer';
import { loadOutboundConfig, startOutbound } from '@cpm/outbound';
import { loadMediaConfig, startMedia } from '@cpm/media';
import { loadProjectorConfig, startProjector } from '@cpm/projector';
import { loadAgentEventsConfig, startAgentEvents } from '@cpm/agent-events';
import { hashPassword, loadConsoleConfig, startConsole } from '@cpm/console';
import { up } from '@cpm/infra';
import { playScenario } from './scenario';

const SECRET = process.env.SINCH_WEBHOOK_SECRETS ?? 'local-dev-secret';

async function main(): Promise<void> {
  const logger = createLogger('local', process.env.LOG_LEVEL ?? 'info');
  const step = (message: string): void => logger.info(`▶ ${message}`);
  step('starting Kafka, the Schema Registry, checking PostgreSQL');
  const env: NodeJS.ProcessEnv = { ...(await up()), ...process.env, SINCH_WEBHOOK_SECRETS: SECRET };
  step('migrations');
  await migrate(env.DATABASE_URL!);

  const stops: (() => Promise<void>)[] = [];
  step('ingress');
  const ingress = await startIngress(loadIngressConfig(env), logger.child({ service: 'ingress' }));
  stops.push(() => ingress.stop());
  step('normalizer');
  const normalizer = await startNormalizer(
    loadNormalizerConfig({ ...env, NORMALIZER_HTTP_PORT: env.NORMALIZER_HTTP_PORT ?? '18082' }),
    logger.child({ service: 'normalizer' }),
  );
  stops.push(() => normalizer.stop());

  step('agent-events (the Contact Pro view: agent.events.v1)');
  const agentEvents = await startAgentEvents(
    loadAgentEventsConfig({
      SINCH_PROJECT_ID: 'sim-project',
      SINCH_KEY_ID: 'local',
      SINCH_KEY_SECRET: 'local',
      ...env,
    }),
    logger.child({ service: 'agent-events' }),
  );
  stops.push(() => agentEvents.stop());
  step('projector (PostgreSQL views and the read API)');
  const projector = await startProjector(
    loadProjectorConfig(env),
    logger.child({ service: 'projector' }),
  );
  stops.push(() => projector.stop());

  step('Sinch simulator');
  const sim = createSinchSimulator({
    webhooks: [{ target: ingress.webhookUrl, secret: SECRET }],
    port: Number(env.SIMULATOR_PORT ?? 18090),
  });
  const { url: simUrl } = await sim.start();
  stops.push(() => sim.stop());

  step(
    'outbound (sends agent commands to the simulator; WhatsApp templates → sinch.templates.v1 every 10 minutes)',
  );
  const outbound = await startOutbound(
    loadOutboundConfig({
      SINCH_PROJECT_ID: 'sim-project',
      SINCH_KEY_ID: 'local',
      SINCH_KEY_SECRET: 'local',
      SINCH_CONVERSATION_BASE_URL: simUrl,
      SINCH_AUTH_BASE_URL: simUrl,
      ...env,
    }),
    logger.child({ service: 'outbound' }),
  );
  stops.push(() => outbound.stop());
  step(
    'media (downloads customer media; the simulator serves it on 127.0.0.1, allowed explicitly)',
  );
  const media = await startMedia(
    loadMediaConfig({
      MEDIA_ALLOWED_HOSTS: '127.0.0.1',
      MEDIA_AGENT_TOKEN: 'local-dev-agent-token',
      MEDIA_URL_SECRET: 'local-dev-public-url-secret-0123456789',
      ...env,
    }),
    { logger: logger.child({ service: 'media' }) },
  );
  stops.push(() => media.stop());
  step('agent console');
  // The demo's one agent gets a new password at every start, printed below (CONSOLE_USERS wins when set).
  const agentPassword = randomBytes(9).toString('base64url');
  const agentConsole = await startConsole(
    loadConsoleConfig({
      CONSOLE_MEDIA_URL: media.url,
      CONSOLE_MEDIA_TOKEN: 'local-dev-agent-token',
      CONSOLE_USERS: `agent:${hashPassword(agentPassword)}`,
      CONSOLE_SESSION_SECRET: randomBytes(32).toString('hex'),
      ...env,
    }),
    logger.child({ service: 'console' }),
  );
  stops.push(() => agentConsole.stop());

  logger.info(
    {
      console: agentConsole.url,
      webhook: ingress.webhookUrl,
      ingressMetrics: `${ingress.url}/metrics`,
      normalizer: `${normalizer.url}/metrics`,
      outbound: `${outbound.url}/metrics`,
      media: media.url,
      projector: projector.url,
      agentEvents: `${agentEvents.url}/metrics`,
      simulator: simUrl,
      secret: SECRET,
    },
    'the system is up: demo customers are writing in',
  );
  if (!env.CONSOLE_USERS)
    logger.info(
      `agent console: ${agentConsole.url}  sign in as "agent" with password "${agentPassword}"`,
    );

  let running = true;
  const stopAll = async (): Promise<void> => {
    if (!running) return;
    running = false;
    logger.info('stopping services');
    for (const stop of stops.reverse())
      await stop().catch((error: Error) => logger.warn({ err: error.message }, 'stop failed'));
    process.exit(0);
  };
  process.once('SIGINT', () => void stopAll());
  process.once('SIGTERM', () => void stopAll());

  for (let round = 1; running; round++) {
    await playScenario(sim, logger, round, () => running);
    await new Promise((r) => setTimeout(r, 5000));
  }
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
