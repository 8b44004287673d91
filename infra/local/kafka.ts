import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { defaultJava } from './java';
import { copyDependencies, ensureCopied, pomVersion } from './maven';
import { run, startDetached, waitFor } from './processes';
import { INFRA_DIR, ROOT, type InfraSettings } from './settings';

const POM = join(ROOT, 'infra', 'kafka', 'pom.xml');
const LOG4J = join(ROOT, 'infra', 'kafka', 'log4j2.properties');
const LIBS = join(INFRA_DIR, 'kafka', 'libs');
/** Kafka's command-line tools (org.apache.kafka:kafka-tools) of the broker's release: infra/kafka/tools/pom.xml. */
const TOOLS_POM = join(ROOT, 'infra', 'kafka', 'tools', 'pom.xml');
const TOOLS_LIBS = join(INFRA_DIR, 'kafka', 'tools-libs');
export const KAFKA_DATA = join(INFRA_DIR, 'data', 'kafka');
const LOG_FILE = join(INFRA_DIR, 'logs', 'kafka.log');
/** Fixed cluster id (the one of Kafka's own Docker examples): the data folder is ours alone. */
const CLUSTER_ID = '4L6g3nShT-eMCtK--X86sw';

export const kafkaVersion = (): string => pomVersion(POM, 'kafka.version');

/** Broker settings for one node as broker and controller (docs/ARCHITECTURE.md#local-infrastructure). */
function serverProperties(
  s: Pick<InfraSettings, 'kafkaPort' | 'controllerPort'>,
  dataDir: string,
): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${s.controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${s.kafkaPort},CONTROLLER://127.0.0.1:${s.controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${s.kafkaPort}`,
    'inter.broker.listener.name=PLAINTEXT',
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${join(dataDir, 'logs')}`,
    // One node: replication factor 1 and a single partition for internal topics.
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'share.coordinator.state.topic.num.partitions=1',
    // No 3 s wait when a consumer group forms; topics are created explicitly by the app.
    'group.initial.rebalance.delay.ms=0',
    'num.partitions=1',
    'num.network.threads=2',
    'num.io.threads=4',
    'log.cleaner.dedupe.buffer.size=16777216',
    // Transactions of a killed consumer must not block read_committed readers for long.
    'transaction.max.timeout.ms=900000',
  ].join('\n');
}

export function prepareKafka(): { downloaded: boolean; version: string } {
  const version = kafkaVersion();
  const downloaded = ensureCopied(LIBS, `kafka_2.13:${version}`, () => {
    rmSync(LIBS, { recursive: true, force: true });
    copyDependencies(POM, LIBS);
  });
  return { downloaded, version };
}

/**
 * The classpath of Kafka's own tools (`org.apache.kafka.tools.EndToEndLatency`,
 * `TransactionalMessageCopier`, ...) of the same release as the broker, copied once by Maven
 * into .infra/kafka/tools-libs (the broker's classpath plus kafka-tools, which brings
 * Connect and Jetty the broker does not need, so it is kept apart from the broker's).
 */
export function kafkaToolsClasspath(): string {
  const version = kafkaVersion();
  ensureCopied(TOOLS_LIBS, `kafka-tools:${version}`, () => {
    rmSync(TOOLS_LIBS, { recursive: true, force: true });
    copyDependencies(TOOLS_POM, TOOLS_LIBS);
  });
  return `${TOOLS_LIBS}/*`;
}

/**
 * The command that runs one of Kafka's tools (`main`: a class such as
 * `org.apache.kafka.tools.EndToEndLatency`, or a single-file Java program's path) on that
 * classpath with the broker's log configuration, for callers that spawn it themselves.
 */
export function kafkaToolCommand(main: string, args: string[]): [string, string[]] {
  return [
    defaultJava().path,
    [
      '-Xmx256m',
      `-Dlog4j2.configurationFile=${LOG4J}`,
      '-cp',
      kafkaToolsClasspath(),
      main,
      ...args,
    ],
  ];
}

/**
 * Formats (once) and starts a broker. Tests that break a broker on purpose start one of
 * their own with other ports and another data folder.
 */
export function startKafka(
  s: Pick<InfraSettings, 'kafkaPort' | 'controllerPort' | 'kafkaHeap'>,
  dataDir = KAFKA_DATA,
  logFile = LOG_FILE,
): number {
  const java = defaultJava();
  mkdirSync(dataDir, { recursive: true });
  const propertiesFile = join(dataDir, 'server.properties');
  writeFileSync(propertiesFile, serverProperties(s, dataDir));
  const classpath = `${LIBS}/*`;
  const logConfig = `-Dlog4j2.configurationFile=${LOG4J}`;
  // What kafka-storage.sh format does; --ignore-formatted keeps the data of an earlier run.
  run(
    java.path,
    [
      '-Xmx256m',
      '-XX:TieredStopAtLevel=1',
      logConfig,
      '-cp',
      classpath,
      'kafka.tools.StorageTool',
      'format',
      '--cluster-id',
      CLUSTER_ID,
      '--config',
      propertiesFile,
      '--ignore-formatted',
    ],
    'Formatting the Kafka storage failed; `npm run infra:down -- --purge` removes old data.',
  );
  return startDetached(
    java.path,
    [
      `-Xms256m`,
      `-Xmx${s.kafkaHeap}`,
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-XX:TieredStopAtLevel=1',
      '-Djava.awt.headless=true',
      logConfig,
      '-cp',
      classpath,
      'kafka.Kafka',
      propertiesFile,
    ],
    logFile,
  );
}

/** Ready when the broker answers a metadata request and can create a topic. */
export async function kafkaReady(s: Pick<InfraSettings, 'kafkaPort'>): Promise<boolean> {
  const kafka = new Kafka({
    brokers: [`127.0.0.1:${s.kafkaPort}`],
    clientId: 'infra-check',
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 1000,
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 && cluster.controller !== null;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export const waitForKafka = (
  s: Pick<InfraSettings, 'kafkaPort'>,
  timeoutMs = 90_000,
): Promise<number> => waitFor('Kafka', () => kafkaReady(s), timeoutMs, `See ${LOG_FILE}.`);
