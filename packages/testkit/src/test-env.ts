import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { Kafka } from 'kafkajs';
import {
  createKafka,
  ensureTopics,
  deleteTopicsWithPrefix,
  SchemaCodec,
  subjectOf,
  topicName,
  TOPICS,
} from '@cpm/kafka';
import { createLogger } from '@cpm/platform';

export interface TestEnv {
  namespace: string;
  partitions: number;
  brokers: string;
  registryUrl: string;
  databaseUrl: string;
  kafka: Kafka;
  codec: SchemaCodec;
  /** Environment for a service under test (child process or in-process config). */
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(
      `${name} is not set: run the int/e2e tiers through \`npm test\` (or jest's globalSetup)`,
    );
  return value;
}

/**
 * A namespace of its own for one test file: topics `t<random>.*` with their schemas, and a
 * fresh database, dropped by `cleanup`.
 */
export async function createTestEnv(
  options: { partitions?: number; database?: boolean } = {},
): Promise<TestEnv> {
  const namespace = `t${randomBytes(4).toString('hex')}`;
  const partitions = options.partitions ?? 3;
  const brokers = required('KAFKA_BROKERS');
  const registryUrl = required('SCHEMA_REGISTRY_URL');
  const adminUrl = required('DATABASE_URL');
  const logger = createLogger('test', process.env.TEST_LOG_LEVEL ?? 'warn');
  const kafka = createKafka(brokers, `test-${namespace}`, logger);
  await ensureTopics(kafka, namespace, partitions);
  const codec = SchemaCodec.connect(registryUrl, namespace);
  await codec.register(TOPICS.map((t) => t.name));
  let databaseUrl = adminUrl;
  if (options.database !== false) {
    const admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${namespace}`);
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${namespace}`;
    databaseUrl = url.toString();
  }
  const env = {
    KAFKA_BROKERS: brokers,
    SCHEMA_REGISTRY_URL: registryUrl,
    DATABASE_URL: databaseUrl,
    TOPIC_NAMESPACE: namespace,
    TOPIC_PARTITIONS: String(partitions),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
  };
  return {
    namespace,
    partitions,
    brokers,
    registryUrl,
    databaseUrl,
    kafka,
    codec,
    env,
    async cleanup() {
      await deleteTopicsWithPrefix(kafka, `${namespace}.`).catch(() => undefined);
      await deleteSubjects(registryUrl, namespaceSubjects(namespace)).catch(() => undefined);
      if (options.database !== false) {
        const admin = new Client({ connectionString: adminUrl });
        await admin.connect();
        await admin.query(`DROP DATABASE IF EXISTS ${namespace} WITH (FORCE)`);
        await admin.end();
      }
    },
  };
}

/** The registry subjects a test namespace registers: one per catalogue topic. */
export const namespaceSubjects = (namespace: string): string[] =>
  TOPICS.map((t) => subjectOf(topicName(namespace, t.name)));

/**
 * Deletes registry subjects (soft, then permanently, as the Confluent API asks; one that is
 * not there is a 404): the registry's database outlives test runs on a machine, and every
 * test file registers its namespace's schemas. By name, not by listing: with thousands of
 * subjects the registry's `GET /subjects` is slow and does not list them all.
 */
export async function deleteSubjects(
  registryUrl: string,
  subjects: readonly string[],
): Promise<void> {
  for (const subject of subjects)
    for (const query of ['', '?permanent=true'])
      await fetch(`${registryUrl}/subjects/${encodeURIComponent(subject)}${query}`, {
        method: 'DELETE',
        signal: AbortSignal.timeout(10_000),
      });
}
