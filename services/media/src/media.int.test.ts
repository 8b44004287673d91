import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { normalizeWebhook, type ConversationEvent } from '@cpm/domain';
import { topicName } from '@cpm/kafka';
import { createTestEnv, officeDocument, readTopic, zipArchive, type TestEnv } from '@cpm/testkit';
import { loadMediaConfig } from './config';
import { startMedia, type MediaService } from './media';
import type { MediaOutcome } from './media-handler';
import { PgBlobStore } from './pg-blob-store';

const TOKEN = 'agent-token-0123456789';
const KEY = 'app-m:contact-m';
const MAX_BYTES = 64 * 1024;

const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from('IHDR-image-bytes-'.repeat(20)),
]);
const jpeg = Buffer.concat([
  Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
  Buffer.from('JFIF-flaky-bytes-'.repeat(20)),
]);
const pdf = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n'.repeat(10));
const ogg = Buffer.concat([
  Buffer.from('OggS\x00\x02' + '\x00'.repeat(22) + 'OpusHead', 'latin1'),
  Buffer.from('voice-note-'.repeat(30)),
]);
const ogg2 = Buffer.concat([
  Buffer.from('OggS\x00\x02' + '\x00'.repeat(22) + 'OpusHead', 'latin1'),
  Buffer.from('second-voice-'.repeat(30)),
]);
const html = Buffer.from('<!doctype html><html><body>' + 'x'.repeat(200) + '</body></html>');
/** Customer documents (docs/DOMAIN.md#customer-media) and what must still be refused, by path. */
const documents: Record<string, { body: Buffer; contentType?: string }> = {
  '/report.docx': { body: officeDocument('docx') },
  '/figures.xlsx': { body: officeDocument('xlsx') },
  '/deck.pptx': { body: officeDocument('pptx') },
  '/notes.txt': { body: Buffer.from('Order 42: the box was damaged.\nPlease call me.\n') },
  '/orders.csv': { body: Buffer.from('order,qty\n42,2\n'), contentType: 'text/csv' },
  '/ada.vcf': { body: Buffer.from('BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada\r\nEND:VCARD\r\n') },
  '/setup.exe': { body: Buffer.concat([Buffer.from('MZ\x90\x00', 'latin1'), Buffer.alloc(200)]) },
  '/archive.zip': { body: zipArchive([{ name: 'invoice.pdf.exe', data: 'MZ' }]) },
  '/macro.docm': { body: officeDocument('docx', { macros: true }) },
  '/run.sh': { body: Buffer.from('#!/bin/sh\necho hi\n'), contentType: 'text/plain' },
};

let t: TestEnv;
let origin: Server;
let base: string;
const hits = new Map<string, number>();

beforeAll(async () => {
  t = await createTestEnv({ partitions: 3 }); // the media store is this test's database (the default)
  let flaky = 0;
  origin = createServer((req, res) => {
    const path = req.url ?? '';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const send = (body: Buffer) =>
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
    const document = documents[path];
    if (document)
      return res
        .writeHead(200, { 'content-type': document.contentType ?? 'application/octet-stream' })
        .end(document.body);
    if (path === '/img.png') return send(png);
    if (path === '/doc.pdf') return send(pdf);
    if (path === '/voice.ogg') return send(ogg);
    if (path === '/voice2.ogg') return send(ogg2);
    if (path === '/page.png') return send(html); // claims an image, the bytes say HTML
    if (path === '/flaky.jpg') return ++flaky <= 2 ? res.writeHead(503).end() : send(jpeg);
    if (path === '/redirect')
      return res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    if (path === '/big.png') {
      // Chunked, no Content-Length: the cap must stop the stream itself.
      res.writeHead(200);
      res.write(png);
      for (let i = 0; i < 80; i++) res.write(Buffer.alloc(1024, 1));
      return res.end();
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => origin.close(r));
  await t.cleanup();
});

/** A realistic MESSAGE_INBOUND callback with a media message, normalized as the normalizer does. */
function mediaEvent(id: string, url: string, channel = 'WHATSAPP'): ConversationEvent {
  const body = Buffer.from(
    JSON.stringify({
      app_id: 'app-m',
      accepted_time: '2026-11-01T10:00:00.000Z',
      project_id: 'project-m',
      message: {
        id,
        direction: 'TO_APP',
        contact_message: { media_message: { url } },
        channel_identity: { channel, identity: '46700000042', app_id: 'app-m' },
        contact_id: 'contact-m',
        conversation_id: 'conv-m',
        metadata: '',
        accept_time: '2026-11-01T10:00:00.000Z',
      },
      message_metadata: '',
    }),
  );
  const events = normalizeWebhook({
    body,
    receivedAtMs: 1_800_000_000_000,
    customerKey: KEY,
    source: { topic: 'sinch.webhooks.raw.v1', partition: 0, offset: id },
  });
  const received = events.find((e) => e.type === 'MESSAGE_RECEIVED');
  if (!received?.message?.media) throw new Error(`no media event for ${id}`);
  return received;
}

async function produce(events: ConversationEvent[]): Promise<void> {
  const producer = t.kafka.producer({ idempotent: true });
  await producer.connect();
  const messages = await Promise.all(
    events.map(async (e) => ({
      key: e.customerKey,
      value: await t.codec.encode('conversation.events.v1', e),
    })),
  );
  await producer.send({
    topic: topicName(t.namespace, 'conversation.events.v1'),
    acks: -1,
    messages,
  });
  await producer.disconnect();
}

async function outcomes(until: (o: MediaOutcome[]) => boolean): Promise<MediaOutcome[]> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const records = await readTopic(t.kafka, topicName(t.namespace, 'conversation.media.v1'), {
      timeoutMs: 2_000,
      minRecords: 1,
    });
    const decoded = await Promise.all(records.map((r) => t.codec.decode<MediaOutcome>(r.value!)));
    if (until(decoded) || Date.now() > deadline) return decoded;
  }
}

describe('media service', () => {
  let media: MediaService;
  let store: PgBlobStore;
  const connections: string[] = [];
  let skewMs = 0;
  const settings = () => ({
    ...t.env,
    MEDIA_HTTP_PORT: '0',
    MEDIA_ALLOWED_HOSTS: '127.0.0.1',
    MEDIA_MAX_BYTES: String(MAX_BYTES),
    MEDIA_RETRY_BASE_MS: '50',
    MEDIA_CONNECT_TIMEOUT_MS: '3000',
    MEDIA_READ_TIMEOUT_MS: '5000',
    MEDIA_AGENT_TOKEN: TOKEN,
    MEDIA_URL_SECRET: 'test-url-secret-0123456789abcdef0123',
    MEDIA_PUBLIC_RETENTION_SECONDS: '60',
    MEDIA_SWEEP_INTERVAL_MS: '200',
    MEDIA_PG_CHUNK_BYTES: '1024', // small chunks: the files below span several
  });

  beforeAll(async () => {
    media = await startMedia(loadMediaConfig(settings()), {
      onConnect: (address) => connections.push(address),
      now: () => Date.now() + skewMs,
    });
    expect(media.store).toBeInstanceOf(PgBlobStore); // PostgreSQL is the default store
    store = media.store as PgBlobStore;
  });

  afterAll(() => media.stop());

  it('stores each customer file once, reports failures with their reason, and refuses private addresses before connecting', async () => {
    const port = (origin.address() as AddressInfo).port;
    const cases: [id: string, url: string][] = [
      ['m-img', `${base}/img.png`],
      ['m-pdf', `${base}/doc.pdf`],
      ['m-ogg', `${base}/voice.ogg`],
      ['m-404', `${base}/expired.png`],
      ['m-flaky', `${base}/flaky.jpg`],
      ['m-big', `${base}/big.png`],
      ['m-html', `${base}/page.png`],
      ['m-meta', 'http://169.254.169.254/latest/meta-data/iam/security-credentials/'],
      ['m-private', 'http://10.0.0.1/file.png'],
      ['m-v6loop', `http://[::1]:${port}/img.png`],
      ['m-localhost', `http://localhost:${port}/img.png`], // resolves to loopback; only 127.0.0.1 is allowed
      ['m-redirect', `${base}/redirect`],
    ];
    const events = cases.map(([id, url]) => mediaEvent(id, url));
    // Every event twice (a duplicate), then a sentinel on the same key: when its outcome is
    // in, everything before it on the partition has been processed.
    await produce([...events, ...events, mediaEvent('m-sentinel', `${base}/voice2.ogg`)]);

    const out = await outcomes((o) => o.some((x) => x.messageId === 'm-sentinel'));
    const by = new Map(out.map((o) => [o.messageId, o]));
    expect(out).toHaveLength(cases.length + 1); // no outcome for the duplicates
    expect(new Set(out.map((o) => o.eventId)).size).toBe(out.length);

    for (const [id, type, bytes] of [
      ['m-img', 'image/png', png],
      ['m-pdf', 'application/pdf', pdf],
      ['m-ogg', 'audio/ogg', ogg],
      ['m-flaky', 'image/jpeg', jpeg],
    ] as const) {
      const o = by.get(id)!;
      expect(o).toMatchObject({
        status: 'READY',
        contentType: type,
        sizeBytes: bytes.length,
        reason: null,
        customerKey: KEY,
        appId: 'app-m',
        conversationId: 'conv-m',
      });
      expect(o.storageKey).toBe(o.sha256);
      expect(o.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(by.get('m-img')!.fileName).toBe('img.png');
    expect(by.get('m-404')).toMatchObject({
      status: 'FAILED',
      reason: 'HTTP_404',
      storageKey: null,
    });
    expect(by.get('m-big')).toMatchObject({ status: 'FAILED', reason: 'TOO_LARGE' });
    expect(by.get('m-html')).toMatchObject({ status: 'FAILED', reason: 'TYPE_NOT_ALLOWED' });
    for (const id of ['m-meta', 'm-private', 'm-v6loop', 'm-localhost', 'm-redirect'])
      expect(by.get(id)).toMatchObject({ status: 'FAILED', reason: 'BLOCKED_ADDRESS' });

    // Fetched once each despite the duplicates; 404 not retried; 503 twice then 200.
    expect(Object.fromEntries(hits)).toEqual({
      '/img.png': 1,
      '/doc.pdf': 1,
      '/voice.ogg': 1,
      '/voice2.ogg': 1,
      '/expired.png': 1,
      '/flaky.jpg': 3,
      '/big.png': 1,
      '/page.png': 1,
      '/redirect': 1,
    });
    // No connection was ever opened to anything but the allowed test server.
    expect(new Set(connections)).toEqual(new Set(['127.0.0.1']));
    // One file per stored media, nothing half-written left behind.
    expect((await media.store.keys()).sort()).toEqual(
      ['m-img', 'm-pdf', 'm-ogg', 'm-flaky', 'm-sentinel'].map((id) => by.get(id)!.sha256).sort(),
    );
    expect(await store.unnamedObjects()).toBe(0);

    const metrics = await (await fetch(`${media.url}/metrics`)).text();
    expect(metrics).toMatch(/cpm_media_downloads_total\{outcome="duplicate",service="media"\} 12/);
  });

  it('stores customer documents (Word, Excel, PowerPoint, text, CSV, vCard) and refuses programs, archives, macros and scripts with the reason', async () => {
    const expected: [path: string, type: string | null][] = [
      ['/report.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
      ['/figures.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
      ['/deck.pptx', 'application/vnd.openxmlformats-officedocument.presentationml.presentation'],
      ['/notes.txt', 'text/plain'],
      ['/orders.csv', 'text/csv'],
      ['/ada.vcf', 'text/vcard'],
      ['/setup.exe', null],
      ['/archive.zip', null],
      ['/macro.docm', null],
      ['/run.sh', null],
    ];
    const id = (path: string) => `doc-${path.slice(1)}`;
    await produce(expected.map(([path]) => mediaEvent(id(path), `${base}${path}`)));
    const out = await outcomes((o) =>
      expected.every(([path]) => o.some((x) => x.messageId === id(path))),
    );
    const by = new Map(out.map((o) => [o.messageId, o]));
    for (const [path, type] of expected) {
      const o = by.get(id(path))!;
      if (type === null) {
        expect([path, o.status, o.reason, o.storageKey]).toEqual([
          path,
          'FAILED',
          'TYPE_NOT_ALLOWED',
          null,
        ]);
        continue;
      }
      expect([path, o.status, o.contentType, o.sizeBytes]).toEqual([
        path,
        'READY',
        type,
        documents[path]!.body.length,
      ]);
      // Served to the agent as stored, byte for byte, with its type.
      const served = await fetch(`${media.url}/media/${o.storageKey}`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect([served.status, served.headers.get('content-type')?.split(';')[0]]).toEqual([
        200,
        type,
      ]);
      expect(served.headers.get('x-content-type-options')).toBe('nosniff');
      expect(Buffer.from(await served.arrayBuffer()).equals(documents[path]!.body)).toBe(true);
    }
  });

  it('serves stored media to agents with a token, with Range requests', async () => {
    const records = await outcomes((o) => o.some((x) => x.messageId === 'm-pdf'));
    const stored = records.find((o) => o.messageId === 'm-pdf')!;
    const url = `${media.url}/media/${stored.storageKey}?name=contract.pdf`;
    expect((await fetch(url)).status).toBe(401);
    expect(
      (await fetch(url, { headers: { authorization: 'Bearer wrong-token-000000000' } })).status,
    ).toBe(401);

    const full = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(full.status).toBe(200);
    expect(full.headers.get('content-type')).toBe('application/pdf');
    expect(full.headers.get('content-disposition')).toBe(
      `inline; filename="contract.pdf"; filename*=UTF-8''contract.pdf`,
    );
    expect(Buffer.from(await full.arrayBuffer())).toEqual(pdf);

    const part = await fetch(url, {
      headers: { authorization: `Bearer ${TOKEN}`, range: 'bytes=5-14' },
    });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 5-14/${pdf.length}`);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(pdf.subarray(5, 15));

    const beyond = await fetch(url, {
      headers: { authorization: `Bearer ${TOKEN}`, range: `bytes=${pdf.length + 10}-` },
    });
    expect(beyond.status).toBe(416);
    expect(
      (
        await fetch(`${media.url}/media/${'0'.repeat(64)}`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        })
      ).status,
    ).toBe(404);
  });

  it('serves from a second instance what the first downloaded and published (one shared store)', async () => {
    const second = await startMedia(loadMediaConfig(settings()));
    try {
      const records = await outcomes((o) => o.some((x) => x.messageId === 'm-pdf'));
      const stored = records.find((o) => o.messageId === 'm-pdf')!;
      const agent = { authorization: `Bearer ${TOKEN}` };
      const customerFile = await fetch(`${second.url}/media/${stored.storageKey}`, {
        headers: agent,
      });
      expect(customerFile.status).toBe(200);
      expect(Buffer.from(await customerFile.arrayBuffer())).toEqual(pdf);

      // An attachment of eleven 1 KiB chunks, uploaded to the first instance.
      const large = Buffer.concat([png, Buffer.alloc(10 * 1024, 7)]);
      const created = await fetch(`${media.url}/attachments?fileName=plan.png`, {
        method: 'POST',
        headers: { ...agent, 'content-type': 'application/octet-stream' },
        body: large,
      });
      expect(created.status).toBe(201);
      const url = new URL(((await created.json()) as { url: string }).url);
      const onSecond = `${second.url}${url.pathname}${url.search}`;
      const whole = await fetch(onSecond);
      expect(whole.status).toBe(200);
      expect(Buffer.from(await whole.arrayBuffer())).toEqual(large);
      const part = await fetch(onSecond, { headers: { range: 'bytes=1000-5000' } });
      expect(part.status).toBe(206);
      expect(Buffer.from(await part.arrayBuffer())).toEqual(large.subarray(1000, 5001));
    } finally {
      await second.stop();
    }
  });

  it('publishes an agent attachment under a signed URL that expires (410) and is swept', async () => {
    const upload = (body: Buffer, token = TOKEN) =>
      fetch(`${media.url}/attachments?fileName=offer.png`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
        body,
      });
    expect((await upload(png, 'not-the-token-000000')).status).toBe(401);
    expect((await upload(html)).status).toBe(415);
    expect((await upload(Buffer.concat([png, Buffer.alloc(MAX_BYTES)]))).status).toBe(413);
    expect(await store.unnamedObjects()).toBe(0); // the refused uploads left no bytes behind

    const created = await upload(png);
    expect(created.status).toBe(201);
    const { url, id } = (await created.json()) as { url: string; id: string };
    expect(id).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const live = await fetch(url);
    expect(live.status).toBe(200);
    expect(live.headers.get('content-type')).toBe('image/png');
    expect(live.headers.get('content-disposition')).toContain('filename="offer.png"');
    expect(Buffer.from(await live.arrayBuffer())).toEqual(png);
    // A forged expiry is refused.
    const forged = new URL(url);
    forged.searchParams.set('exp', String(Number(forged.searchParams.get('exp')) + 3_600_000));
    expect((await fetch(forged)).status).toBe(404);

    expect(await store.attachment(id)).toMatchObject({ id, size: png.length });
    skewMs = 61_000; // past the 60 s retention
    expect((await fetch(url)).status).toBe(410);
    const deadline = Date.now() + 20_000;
    while ((await store.attachment(id)) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(await store.attachment(id)).toBeNull();
    expect(await store.unnamedObjects()).toBe(0); // its bytes went with it
    expect((await fetch(url)).status).toBe(410);
  });
});
