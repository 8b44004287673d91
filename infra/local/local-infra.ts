import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { KAFKA_DATA, kafkaReady, prepareKafka, startKafka, waitForKafka } from './kafka';
import { clearState, isAlive, portInUse, readState, stopPid, writeState } from './processes';
import {
  chooseRegistry,
  prepareRegistry,
  registryReady,
  startRegistry,
  waitForRegistry,
} from './registry';
import { dropDatabases, ensureDatabases, postgresReady } from './postgres';
import { clientEnv, INFRA_DIR, infraSettings } from './settings';

const log = (message: string): void => console.log(`[infra] ${message}`);

/** Starts what is not running yet; safe to call twice. Returns the client settings. */
export async function up(): Promise<ReturnType<typeof clientEnv>> {
  const s = infraSettings();
  const started = Date.now();
  await ensureDatabases(s, [s.databaseName, s.registryDatabase]);
  log(
    `PostgreSQL ${await postgresReady(s)} at ${s.postgresUrl.replace(/\/[^/]*$/, '')}; databases ${s.databaseName}, ${s.registryDatabase}`,
  );

  const state = readState();
  const kafkaRunning = isAlive(state.kafka?.pid);
  const registryRunning = isAlive(state.registry?.pid);
  if (!kafkaRunning) await refuseTakenPort(s.kafkaPort, 'INFRA_KAFKA_PORT', 'Kafka');
  if (!kafkaRunning)
    await refuseTakenPort(s.controllerPort, 'INFRA_KAFKA_CONTROLLER_PORT', 'the Kafka controller');
  if (!registryRunning)
    await refuseTakenPort(s.registryPort, 'INFRA_REGISTRY_PORT', 'the Schema Registry');
  if (!registryRunning)
    await refuseTakenPort(
      s.registryManagementPort,
      'INFRA_REGISTRY_MANAGEMENT_PORT',
      "the Schema Registry's management interface",
    );

  if (!kafkaRunning) {
    const { downloaded, version } = prepareKafka();
    if (downloaded)
      log(`Kafka ${version} classpath copied from Maven in ${Date.now() - started} ms`);
    state.kafka = { pid: startKafka(s), port: s.kafkaPort, version };
    writeState(state);
    log(`Kafka ${version} starting (pid ${state.kafka.pid})`);
  }
  if (!registryRunning) {
    const choice = chooseRegistry();
    const { downloaded, home } = prepareRegistry(choice.version);
    if (downloaded)
      log(`Apicurio Registry ${choice.version} unpacked from Maven in ${Date.now() - started} ms`);
    state.registry = {
      pid: startRegistry(s, home, choice.java),
      port: s.registryPort,
      version: choice.version,
      java: choice.java,
    };
    writeState(state);
    log(
      `Apicurio Registry ${choice.version} starting on ${choice.java} (pid ${state.registry.pid})`,
    );
  }
  const [kafkaMs, registryMs] = await Promise.all([waitForKafka(s), waitForRegistry(s)]);
  log(
    `ready in ${Date.now() - started} ms (Kafka answered after ${kafkaMs} ms of polling, registry after ${registryMs} ms)`,
  );
  return clientEnv(s);
}

export async function down(options: { purge?: boolean } = {}): Promise<void> {
  const s = infraSettings();
  const state = readState();
  if (state.registry) await stopPid(state.registry.pid, 'Schema Registry');
  if (state.kafka) await stopPid(state.kafka.pid, 'Kafka');
  clearState();
  log('stopped');
  if (options.purge) {
    rmSync(KAFKA_DATA, { recursive: true, force: true });
    await dropDatabases(s, [s.databaseName, s.registryDatabase]);
    log(`purged ${KAFKA_DATA} and databases ${s.databaseName}, ${s.registryDatabase}`);
  }
}

export async function status(): Promise<boolean> {
  const s = infraSettings();
  const state = readState();
  const pg = await postgresReady(s).then(
    (v) => `up (PostgreSQL ${v})`,
    (e: Error) => `DOWN (${e.message})`,
  );
  const kafka = await kafkaReady(s).then(
    (ok) => (ok ? 'up' : 'not ready'),
    () => 'DOWN',
  );
  const registry = await registryReady(s).then(
    (ok) => (ok ? 'up' : 'not ready'),
    () => 'DOWN',
  );
  const env = clientEnv(s);
  console.log(`postgres  ${pg}  ${env.DATABASE_URL}`);
  console.log(
    `kafka     ${kafka}  ${env.KAFKA_BROKERS}  ${state.kafka ? `Kafka ${state.kafka.version}, pid ${state.kafka.pid}` : 'not started by infra:up'}`,
  );
  console.log(
    `registry  ${registry}  ${env.SCHEMA_REGISTRY_URL}  ${state.registry ? `Apicurio ${state.registry.version}, pid ${state.registry.pid}` : 'not started by infra:up'}`,
  );
  console.log(`logs      ${join(INFRA_DIR, 'logs')}`);
  return pg.startsWith('up') && kafka === 'up' && registry === 'up';
}

/** Both servers answer on our ports although this checkout did not start them. */
export async function runningElsewhere(): Promise<boolean> {
  const s = infraSettings();
  const [kafka, registry] = await Promise.all([
    kafkaReady(s).catch(() => false),
    registryReady(s).catch(() => false),
  ]);
  return kafka && registry;
}

export function isUp(): boolean {
  const state = readState();
  return isAlive(state.kafka?.pid) && isAlive(state.registry?.pid);
}

async function refuseTakenPort(port: number, variable: string, what: string): Promise<void> {
  if (await portInUse(port)) {
    throw new Error(
      `Port ${port} for ${what} is taken by another process. Stop it, or choose another port with ${variable}=<port>.`,
    );
  }
}
