import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createLogger, createMetrics, processName, type Logger } from '@cpm/platform';
import { createKafka, ensureTopics, SchemaCodec } from '@cpm/kafka';
import { AgentDirectory } from './agent-auth';
import type { ConsoleConfig } from './config';
import { CommandWriter } from './command-writer';
import { COMMANDS, ConsoleFeed, EVENTS, OUTBOUND, TEMPLATES } from './console-feed';
import { consoleHttp } from './console-http';
import { ConversationStore } from './conversation-store';
import { sseClients } from './sse-stream';
import { TemplateStore } from './template-store';
import { bundleWeb } from './web-bundle';
import { DEFAULT_LIMITS } from './view-model';

export interface AgentConsole {
  url: string;
  stop(): Promise<void>;
}

/** Starts the agent console: the page bundled, the feed from the log, the command writer, then HTTP. */
export async function startConsole(
  config: ConsoleConfig,
  logger: Logger = createLogger('console', config.LOG_LEVEL),
): Promise<AgentConsole> {
  const metrics = createMetrics('console');
  const assets = await bundleWeb();
  const kafka = createKafka(config.KAFKA_BROKERS, `console-${processName()}`, logger);
  await ensureTopics(kafka, config.TOPIC_NAMESPACE, config.TOPIC_PARTITIONS);
  const codec = SchemaCodec.connect(config.SCHEMA_REGISTRY_URL, config.TOPIC_NAMESPACE);
  await codec.register([EVENTS, COMMANDS, OUTBOUND, TEMPLATES]);
  const store = new ConversationStore({
    ...DEFAULT_LIMITS,
    maxMessages: config.CONSOLE_MAX_MESSAGES,
    maxConversations: config.CONSOLE_MAX_CONVERSATIONS,
  });
  const templates = new TemplateStore();
  const writer = new CommandWriter({
    kafka,
    codec,
    namespace: config.TOPIC_NAMESPACE,
    metrics,
    logger,
  });
  await writer.start();
  const feed = new ConsoleFeed({
    kafka,
    codec,
    namespace: config.TOPIC_NAMESPACE,
    logger,
    metrics,
    apply: (i) => store.apply(i),
    catalogue: (c) => templates.set(c),
  });
  await feed.start();
  const media = config.CONSOLE_MEDIA_URL
    ? { url: config.CONSOLE_MEDIA_URL, token: config.CONSOLE_MEDIA_TOKEN ?? '' }
    : null;
  const sse = sseClients(store, metrics, { proxyMedia: media !== null });
  const auth = {
    directory: new AgentDirectory(config.CONSOLE_USERS),
    sessionSecret: config.CONSOLE_SESSION_SECRET,
    sessionTtlMs: config.CONSOLE_SESSION_HOURS * 3_600_000,
    secureCookie: config.CONSOLE_COOKIE_SECURE,
  };
  const app = consoleHttp({
    assets,
    store,
    templates,
    sse,
    writer,
    metrics,
    logger,
    ready: () => feed.ready,
    auth,
    media,
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(config.CONSOLE_HTTP_PORT, config.CONSOLE_HTTP_HOST, () => resolve(s));
  });
  const url = `http://${config.CONSOLE_HTTP_HOST}:${(server.address() as AddressInfo).port}`;
  logger.info({ url, group: feed.groupId }, 'agent console running');
  return {
    url,
    async stop() {
      sse.closeAll();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await feed.stop();
      await writer.stop();
    },
  };
}
