import express from 'express';
import {
  createLogger,
  createMetrics,
  listen,
  opsRoutes,
  processName,
  type Logger,
} from '@cpm/platform';
import {
  changelogSpec,
  consumerHealthSettings,
  createKafka,
  ensureTopics,
  TransactionalProcessor,
} from '@cpm/kafka';
import { SinchApi } from '@cpm/sinch-api';
import { agentViewSettings, checkLookupConfig, type AgentEventsConfig } from './config';
import { agentStateChangelogLists, initialAgentState } from './agent-state';
import { agentEventsHandler, type AgentEventsHandlerOptions } from './agent-events-handler';
import { readLookupLog } from './lookup-log';
import { LookupBudget } from './lookup-budget';
import { lookUpName } from './name-lookup';
import { AgentEventsCodec, outputTopics } from './output-topics';

export interface AgentEvents {
  url: string;
  /** Catalogue name of the topic this run writes (`agent.events.v1`, or a shadow). */
  outputTopic: string;
  stop(): Promise<void>;
}

/**
 * The Contact Pro view (docs/ARCHITECTURE.md#agent-events): conversation events and media outcomes in, agent
 * events out, exactly once. With AGENT_EVENTS_OUTPUT_TOPIC_SUFFIX a replay rebuilds into a
 * shadow topic under its own consumer group and state, so nobody is notified.
 */
export async function startAgentEvents(
  config: AgentEventsConfig,
  logger: Logger = createLogger('agent-events', config.LOG_LEVEL),
): Promise<AgentEvents> {
  checkLookupConfig(config);
  const suffix = config.AGENT_EVENTS_OUTPUT_TOPIC_SUFFIX;
  const name = `agent-events${suffix}`;
  const topics = outputTopics(suffix);
  const metrics = createMetrics('agent-events');
  const kafka = createKafka(config.KAFKA_BROKERS, `${name}-${processName()}`, logger);
  await ensureTopics(kafka, config.TOPIC_NAMESPACE, config.TOPIC_PARTITIONS);
  await ensureTopics(kafka, config.TOPIC_NAMESPACE, config.TOPIC_PARTITIONS, [
    changelogSpec(name),
    ...topics.extraSpecs,
  ]);
  const codec = AgentEventsCodec.connect(config.SCHEMA_REGISTRY_URL, config.TOPIC_NAMESPACE);
  await codec.register([
    'conversation.events.v1',
    'conversation.media.v1',
    'sinch.lookups.v1',
    'agent.events.v1',
    'agent.events.v1.dlq',
  ]);
  await codec.registerSpecs(topics.extraSpecs);
  let lookup: AgentEventsHandlerOptions['lookup'];
  if (config.AGENT_EVENTS_REPLAY) {
    const recorded = await readLookupLog(kafka, codec, config.TOPIC_NAMESPACE);
    logger.info(
      { answers: recorded.size },
      'replay: look-ups are read from sinch.lookups.v1, Sinch is never called',
    );
    lookup = { recorded };
  } else if (config.AGENT_EVENTS_LOOKUP_NAMES) {
    const api = new SinchApi({
      projectId: config.SINCH_PROJECT_ID,
      keyId: config.SINCH_KEY_ID,
      keySecret: config.SINCH_KEY_SECRET,
      region: config.SINCH_REGION,
      timeoutMs: config.SINCH_TIMEOUT_MS,
      ...(config.SINCH_CONVERSATION_BASE_URL !== undefined && {
        conversationBaseUrl: config.SINCH_CONVERSATION_BASE_URL,
      }),
      ...(config.SINCH_AUTH_BASE_URL !== undefined && { authBaseUrl: config.SINCH_AUTH_BASE_URL }),
    });
    const budget = new LookupBudget(config.AGENT_EVENTS_LOOKUP_RATE_PER_SECOND);
    lookup = {
      ask: async (event, customerKey) => {
        if (budget.tryTake(event.appId)) return lookUpName(api, event, customerKey, Date.now);
        metrics.sinchLookups.inc({ kind: '', outcome: 'RATE_LIMITED', mode: 'live' });
        return null;
      },
    };
  }
  const processor = new TransactionalProcessor({
    name,
    kafka,
    codec,
    namespace: config.TOPIC_NAMESPACE,
    inputs: ['conversation.events.v1', 'conversation.media.v1', 'sinch.lookups.v1'],
    dlqTopic: topics.dlq,
    initialState: initialAgentState,
    changelogLists: agentStateChangelogLists,
    handle: agentEventsHandler({
      ...agentViewSettings(config),
      outputTopic: topics.output,
      ...(lookup !== undefined && { lookup }),
      metrics,
      logger,
    }),
    logger,
    metrics,
    health: consumerHealthSettings(config),
  });
  await processor.start();
  const app = express();
  app.use(opsRoutes(metrics.registry, async () => processor.health.check()));
  const { url, close } = await listen(
    app,
    config.AGENT_EVENTS_HTTP_PORT,
    config.AGENT_EVENTS_HTTP_HOST,
  );
  logger.info(
    { url, output: topics.output, replay: config.AGENT_EVENTS_REPLAY },
    'agent-events running',
  );
  return {
    url,
    outputTopic: topics.output,
    async stop() {
      await processor.stop();
      await close();
    },
  };
}
