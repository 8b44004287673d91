import { request } from 'node:http';
import {
  callbackFixture,
  callbackFixtures,
  createTestEnv,
  postWebhook,
  readTopic,
  signatureVector,
  type TestEnv,
} from '@cpm/testkit';
import { topicName } from '@cpm/kafka';
import { detectTrigger, secretFingerprint, signWebhook } from '@cpm/sinch-webhooks';
import { loadIngressConfig } from './config';
import { startIngress, type Ingress } from './ingress';
import type { RawWebhookRecord } from '@cpm/contracts';

const SECRET = 'test-secret-new';
const OLD_SECRET = 'test-secret-old';
const vector = signatureVector();
let t: TestEnv;
let ingress: Ingress;

beforeAll(async () => {
  t = await createTestEnv({ database: false });
  const config = loadIngressConfig({
    ...t.env,
    INGRESS_PORT: '0',
    SINCH_WEBHOOK_SECRETS: `${SECRET},${OLD_SECRET},${vector.secret}`,
    INGRESS_BODY_LIMIT_BYTES: '4096',
  });
  ingress = await startIngress(config);
});
afterAll(async () => {
  await ingress?.stop();
  await t?.cleanup();
});

const rawTopic = () => topicName(t.namespace, 'sinch.webhooks.raw.v1');
const rejectedTopic = () => topicName(t.namespace, 'sinch.webhooks.rejected.v1');

async function storedByRequestId(
  topic: string,
  min: number,
): Promise<Map<string, { key: string | null; value: Record<string, unknown> }>> {
  const records = await readTopic(t.kafka, topic, { minRecords: min });
  const out = new Map<string, { key: string | null; value: Record<string, unknown> }>();
  for (const r of records) {
    const value = await t.codec.decode<Record<string, unknown>>(r.value!);
    out.set(value.requestId as string, { key: r.key, value });
  }
  return out;
}

describe('ingress against real Kafka', () => {
  const accepted: { file: string; body: Buffer; requestId: string }[] = [];

  it('accepts every callback fixture, signed, and stores it byte for byte with its trigger', async () => {
    for (const { file, body } of callbackFixtures()) {
      const res = await postWebhook(ingress.webhookUrl, body, { secret: SECRET });
      expect({ file, status: res.status }).toEqual({ file, status: 200 });
      accepted.push({ file, body, requestId: res.json.requestId as string });
    }
    const stored = await storedByRequestId(rawTopic(), accepted.length);
    for (const { file, body, requestId } of accepted) {
      const record = stored.get(requestId);
      expect(record).toBeDefined();
      const value = record!.value as unknown as RawWebhookRecord;
      expect(Buffer.compare(value.body, body)).toBe(0);
      expect({ file, trigger: value.trigger }).toEqual({
        file,
        trigger: detectTrigger(JSON.parse(body.toString())).trigger,
      });
      expect(value.verification).toBe('VERIFIED');
      expect(value.secretIndex).toBe(0);
      expect(value.secretId).toBe(secretFingerprint(SECRET));
      expect(value.admittedFrom).toBeNull();
      expect(record!.key).toBe(value.customerKey);
    }
  });

  it('accepts our signature vector with its secret and refuses it with wrong_secret', async () => {
    const { body, headers } = vector;
    const ok = await postWebhook(ingress.webhookUrl, body, { headers });
    expect(ok.status).toBe(200);
    const stored = await storedByRequestId(rawTopic(), 1);
    expect(
      (stored.get(ok.json.requestId as string)?.value as unknown as RawWebhookRecord).secretIndex,
    ).toBe(2);
    expect(
      (stored.get(ok.json.requestId as string)?.value as unknown as RawWebhookRecord)
        .signatureAgeSeconds,
    ).toBeGreaterThan(3600 * 24 * 365);

    const other = await startIngress(
      loadIngressConfig({
        ...t.env,
        INGRESS_PORT: '0',
        SINCH_WEBHOOK_SECRETS: 'wrong_secret',
        INGRESS_ENSURE_TOPICS: 'false',
      }),
    );
    try {
      const refused = await postWebhook(other.webhookUrl, body, { headers });
      expect(refused.status).toBe(401);
      expect(refused.json.code).toBe('CPM_ERR_SIGNATURE_MISMATCH');
    } finally {
      await other.stop();
    }
  });

  it('accepts the old secret during a rotation', async () => {
    const res = await postWebhook(ingress.webhookUrl, callbackFixture('message-inbound.json'), {
      secret: OLD_SECRET,
    });
    expect(res.status).toBe(200);
  });

  const body = callbackFixture('message-inbound.json');
  const bad: [
    string,
    () => Promise<{ status: number; json: Record<string, unknown> }>,
    number,
    string,
  ][] = [
    [
      'a tampered body',
      () =>
        postWebhook(ingress.webhookUrl, Buffer.from(body.toString().replace('"', ' "')), {
          headers: signedFor(body),
        }),
      401,
      'CPM_ERR_SIGNATURE_MISMATCH',
    ],
    [
      'a missing nonce header',
      () =>
        postWebhook(ingress.webhookUrl, body, {
          headers: { ...signedFor(body), 'x-sinch-webhook-signature-nonce': '' },
        }),
      401,
      'CPM_ERR_SIGNATURE_MISSING',
    ],
    [
      'an unknown algorithm',
      () =>
        postWebhook(ingress.webhookUrl, body, {
          headers: { ...signedFor(body), 'x-sinch-webhook-signature-algorithm': 'HmacSHA1' },
        }),
      401,
      'CPM_ERR_SIGNATURE_ALGORITHM',
    ],
    [
      'a wrong secret',
      () => postWebhook(ingress.webhookUrl, body, { secret: 'not-our-secret' }),
      401,
      'CPM_ERR_SIGNATURE_MISMATCH',
    ],
    [
      'no signature at all',
      () => postWebhook(ingress.webhookUrl, body),
      401,
      'CPM_ERR_SIGNATURE_MISSING',
    ],
    [
      'a signed body that is not JSON',
      () => postWebhook(ingress.webhookUrl, '{"app_id": "x",', { secret: SECRET }),
      400,
      'CPM_ERR_WEBHOOK_NOT_JSON',
    ],
  ];
  it.each(bad)(
    'refuses %s with %i %s and keeps it on the quarantine topic',
    async (_name, send, status, code) => {
      const res = await send();
      expect(res.status).toBe(status);
      expect(res.json.code).toBe(code);
      expect(typeof res.json.message).toBe('string');
      const quarantined = await storedByRequestId(rejectedTopic(), 1);
      const kept = quarantined.get(res.json.requestId as string);
      expect(kept?.value.reason).toBe(code);
      expect(kept?.value.httpStatus).toBe(status);
    },
  );

  it('answers 413 over the body limit and 415 for a wrong content type, without storing anything', async () => {
    const big = Buffer.from(JSON.stringify({ app_id: 'a', message: { text: 'x'.repeat(5000) } }));
    const tooBig = await postWebhook(ingress.webhookUrl, big, { secret: SECRET });
    expect(tooBig.status).toBe(413);
    expect(tooBig.json.code).toBe('CPM_ERR_PAYLOAD_TOO_LARGE');
    const wrongType = await postWebhook(ingress.webhookUrl, body, {
      secret: SECRET,
      headers: { 'content-type': 'text/plain' },
    });
    expect(wrongType.status).toBe(415);
    expect(wrongType.json.code).toBe('CPM_ERR_UNSUPPORTED_MEDIA_TYPE');
  });

  it('accepts DISPATCH-mode callbacks, keys them by channel identity and counts the misconfiguration', async () => {
    const dispatch = Buffer.from(
      JSON.stringify({
        app_id: 'app-d',
        accepted_time: '2026-01-01T00:00:00Z',
        message: {
          id: 'm-d',
          direction: 'TO_APP',
          contact_message: { text_message: { text: 'hi' } },
          channel_identity: { channel: 'WHATSAPP', identity: '46700000001', app_id: '' },
          contact_id: '',
          conversation_id: '',
          processing_mode: 'DISPATCH',
        },
      }),
    );
    const res = await postWebhook(ingress.webhookUrl, dispatch, { secret: SECRET });
    expect(res.status).toBe(200);
    const stored = await storedByRequestId(rawTopic(), 1);
    expect(stored.get(res.json.requestId as string)?.key).toBe('app-d:WHATSAPP:+46700000001');
    const metrics = await (await fetch(`${ingress.url}/metrics`)).text();
    expect(metrics).toMatch(
      /cpm_dispatch_mode_webhooks_total\{app_id="app-d",service="ingress"\} 1/,
    );
  });

  it('serves health, readiness (Kafka reachable) and metrics', async () => {
    expect((await fetch(`${ingress.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${ingress.url}/readyz`);
    expect(ready.status).toBe(200);
    const metrics = await (await fetch(`${ingress.url}/metrics`)).text();
    expect(metrics).toContain('cpm_webhook_requests_total{outcome="accepted"');
    expect(metrics).toContain('cpm_webhook_latency_ms_bucket');
  });
});

function signedFor(body: Buffer): Record<string, string> {
  return signWebhook(body, SECRET, 'nonce-1', Math.floor(Date.now() / 1000));
}

describe('the in-flight byte bound', () => {
  let bounded: Ingress;
  beforeAll(async () => {
    bounded = await startIngress(
      loadIngressConfig({
        ...t.env,
        INGRESS_PORT: '0',
        SINCH_WEBHOOK_SECRETS: SECRET,
        INGRESS_BODY_LIMIT_BYTES: '4096',
        INGRESS_MAX_INFLIGHT_BYTES: '5000',
      }),
    );
  });
  afterAll(() => bounded?.stop());

  /** The inbound fixture padded with trailing blanks (still JSON) to `size` bytes. */
  const padded = (size: number): Buffer => {
    const body = callbackFixture('message-inbound.json');
    return Buffer.concat([body, Buffer.alloc(size - body.length, ' ')]);
  };

  it('answers 503 with Retry-After before reading a body that would pass it, and admits again once bytes are freed', async () => {
    // A slow client: 3,000 bytes declared, half sent, the rest held back.
    const held = padded(3000);
    const url = new URL(bounded.webhookUrl);
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': held.length,
            ...signedFor(held),
          },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.write(held.subarray(0, 1500));
      setTimeout(() => req.end(held.subarray(1500)), 1500);
    });
    await new Promise((r) => setTimeout(r, 300)); // its headers are in

    const large = await postWebhook(bounded.webhookUrl, padded(2500), { secret: SECRET });
    expect(large.status).toBe(503);
    expect(large.json.code).toBe('CPM_ERR_INGRESS_BUSY');
    expect(large.headers.get('retry-after')).toBe('5');
    // A body that fits beside the held one is taken: the bound counts bytes, not requests.
    const small = await postWebhook(bounded.webhookUrl, padded(1500), { secret: SECRET });
    expect(small.status).toBe(200);

    expect((await answer).status).toBe(200);
    const again = await postWebhook(bounded.webhookUrl, padded(2500), { secret: SECRET });
    expect(again.status).toBe(200);
    const metrics = await (await fetch(`${bounded.url}/metrics`)).text();
    expect(metrics).toMatch(
      /cpm_webhook_requests_total\{outcome="busy",trigger="",service="ingress"\} 1/,
    );
  });
});
