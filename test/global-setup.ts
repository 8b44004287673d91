/**
 * Jest globalSetup of the int and e2e tiers: one set of servers per run (docs/CONVENTIONS.md#one-namespace-per-test-file).
 * 1. KAFKA_BROKERS, SCHEMA_REGISTRY_URL and DATABASE_URL from the environment (CI and
 *    `npm test` set them through `infra/cli.ts with-infra`);
 * 2. else the local infra (Kafka and Apicurio from Maven Central), started if needed;
 * 3. TEST_INFRA=containers: testcontainers, for machines with a Docker engine.
 * Values reach the test workers through process.env.
 */
import { clientEnv, infraSettings, isUp, runningElsewhere, up } from '@cpm/infra';
import { startContainers } from './containers';

export default async function globalSetup(): Promise<void> {
  const mode = process.env.TEST_INFRA ?? 'auto';
  if (process.env.KAFKA_BROKERS && process.env.SCHEMA_REGISTRY_URL && process.env.DATABASE_URL)
    return;
  if (mode === 'containers') {
    Object.assign(process.env, await startContainers());
    return;
  }
  if (isUp() || (await runningElsewhere())) {
    Object.assign(process.env, clientEnv(infraSettings()));
    return;
  }
  Object.assign(process.env, await up());
  process.env.CPM_TEST_STARTED_INFRA = '1';
}
