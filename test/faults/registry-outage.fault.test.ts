import { topicName, SchemaCodec } from '@cpm/kafka';
import type { ConversationEvent } from '@cpm/domain';
import { createTestEnv, postWebhook, readTopic, type TestEnv } from '@cpm/testkit';
import {
  chooseRegistry,
  dropDatabases,
  ensureDatabases,
  infraSettings,
  prepareRegistry,
  startRegistry,
  stopPid,
  waitForRegistry,
  type InfraSettings,
} from '@cpm/infra';
import {
  freePort,
  startService,
  verifyProjections,
  waitForHttp,
  type ServiceProcess,
} from './service-process';

/**
 * The Schema Registry stopped (a PRIVATE Apicurio on other ports, with its own database):
 * the ingress keeps accepting webhooks (schema ids were resolved at start), and a normalizer
 * started while the registry is down resumes by itself when it returns; the events projected
 * (a projector started at the end) are what `replay verify` rebuilds.
 */
const SECRET = 'fault-registry-secret';
let t: TestEnv;
let settings: InfraSettings;
let registryPid: number | undefined;
const services: ServiceProcess[] = [];

async function registryUp(): Promise<void> {
  const { version, java } = chooseRegistry();
  registryPid = startRegistry(settings, prepareRegistry(version).home, java);
  await waitForRegistry(settings, 90_000);
}

beforeAll(async () => {
  t = await createTestEnv({ database: true, partitions: 3 });
  settings = {
    ...infraSettings(),
    registryPort: Number(process.env.FAULT_REGISTRY_PORT ?? 18181),
    registryManagementPort: Number(process.env.FAULT_REGISTRY_MANAGEMENT_PORT ?? 19100),
    registryDatabase: `reg_${t.namespace}`,
  };
  await ensureDatabases(settings, [settings.registryDatabase]);
  await registryUp();
});
afterAll(async () => {
  for (const s of services) await s.kill('SIGTERM');
  if (registryPid) await stopPid(registryPid, 'test registry', 10_000);
  await dropDatabases(settings, [settings.registryDatabase]).catch(() => undefined);
  await t?.cleanup();
});

const body = (n: number): string =>
  JSON.stringify({
    app_id: 'app-reg',
    accepted_time: '2026-11-01T10:00:00.000Z',
    message: {
      id: `reg-${n}`,
      direction: 'TO_APP',
      contact_message: { text_message: { text: `m${n}` } },
      channel_identity: { channel: 'WHATSAPP', identity: `4670000${n % 20}`, app_id: '' },
      contact_id: `c${n % 20}`,
      conversation_id: `v${n % 20}`,
      accept_time: '2026-11-01T10:00:00.000Z',
    },
  });

it('keeps accepting webhooks while the registry is down; a consumer started meanwhile resumes when it returns', async () => {
  const registryUrl = `http://127.0.0.1:${settings.registryPort}/apis/ccompat/v7`;
  const env = { ...t.env, SCHEMA_REGISTRY_URL: registryUrl, LOG_LEVEL: 'warn' };
  const port = await freePort();
  const ingress = startService('ingress', 'services/ingress/src/main.ts', {
    ...env,
    INGRESS_PORT: String(port),
    SINCH_WEBHOOK_SECRETS: SECRET,
  });
  services.push(ingress);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/healthz`, ingress, 90_000);
  const post = async (from: number, count: number): Promise<number[]> =>
    Promise.all(
      Array.from(
        { length: count },
        async (_, i) =>
          (await postWebhook(`${url}/webhooks/sinch`, body(from + i), { secret: SECRET })).status,
      ),
    );

  expect(await post(0, 20)).toEqual(Array(20).fill(200));
  await stopPid(registryPid!, 'test registry', 10_000);
  registryPid = undefined;
  expect((await fetch(`${registryUrl}/subjects`).catch(() => null))?.ok ?? false).toBe(false); // really down
  expect(await post(20, 60)).toEqual(Array(60).fill(200)); // the hot path needs no registry

  const normalizer = startService('normalizer', 'services/normalizer/src/main.ts', {
    ...env,
    NORMALIZER_HTTP_PORT: '0',
  });
  services.push(normalizer);
  await new Promise((r) => setTimeout(r, 5000)); // it starts while the registry is down
  await registryUp();
  expect(await post(80, 20)).toEqual(Array(20).fill(200));

  const codec = SchemaCodec.connect(registryUrl, t.namespace);
  const records = await readTopic(t.kafka, topicName(t.namespace, 'conversation.events.v1'), {
    minRecords: 100,
    timeoutMs: 90_000,
  });
  const ids = new Set(
    await Promise.all(
      records.map(async (r) => (await codec.decode<ConversationEvent>(r.value!)).message?.id),
    ),
  );
  const missing = Array.from({ length: 100 }, (_, n) => `reg-${n}`).filter((id) => !ids.has(id));
  expect({
    missing,
    normalizerAlive: normalizer.alive(),
    output: normalizer.alive() ? '' : normalizer.output().slice(-1500),
  }).toEqual({
    missing: [],
    normalizerAlive: true,
    output: '',
  });
  expect(ingress.alive()).toBe(true);
  await verifyProjections(env, { partitions: t.partitions });
}, 300_000);
