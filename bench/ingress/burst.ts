/**
 * Ingress under bursts of large bodies, with and without a heap cap and the in-flight byte
 * bound (INGRESS_MAX_INFLIGHT_BYTES): does it survive, what does it answer, how much memory
 * does it take? The ingress runs as a child process from its `npm run build` bundle.
 * Run: npx tsx infra/cli.ts with-infra -- npx tsx bench/ingress/burst.ts
 * BURST_CONCURRENCY (default 64) requests at once, BURST_WAVES (default 6) waves,
 * BURST_BODY_BYTES (default 1,000,000; the body limit is 1 MiB).
 */
import { createTestEnv, inboundTextBody, postWebhook } from '@cpm/testkit';
import { buildServices } from '../../infra/build';
import { freePort, startService, waitForHttp } from '../../test/faults/service-process';

const SECRET = 'bench-burst-secret';
const CONCURRENCY = Number(process.env.BURST_CONCURRENCY ?? 64);
const WAVES = Number(process.env.BURST_WAVES ?? 6);
const BODY_BYTES = Number(process.env.BURST_BODY_BYTES ?? 1_000_000);
const UNBOUNDED = String(2 ** 40);

const VARIANTS = [
  { name: 'no heap cap, unbounded', nodeOptions: '', inflight: UNBOUNDED },
  {
    name: 'no heap cap, bound 16 MiB (default)',
    nodeOptions: '',
    inflight: String(16 * 1024 * 1024),
  },
  {
    name: 'heap cap 96 MiB, unbounded',
    nodeOptions: '--max-old-space-size=96',
    inflight: UNBOUNDED,
  },
  {
    name: 'heap cap 96 MiB, bound 16 MiB (default)',
    nodeOptions: '--max-old-space-size=96',
    inflight: String(16 * 1024 * 1024),
  },
];

/** A MESSAGE_INBOUND callback whose text makes it `size` bytes long. */
function largeBody(size: number): Buffer {
  const withText = (text: string): string =>
    inboundTextBody({ appId: 'app-burst', id: 'burst-1', n: 1, contacts: 1, text });
  return Buffer.from(withText('x'.repeat(size - withText('').length)));
}

async function main(): Promise<void> {
  await buildServices();
  const t = await createTestEnv({ database: false, partitions: 3 });
  const body = largeBody(BODY_BYTES);
  const rows: string[] = [];
  try {
    for (const variant of VARIANTS) {
      const port = await freePort();
      const ingress = startService(
        'ingress',
        'services/ingress/src/main.ts',
        {
          ...t.env,
          LOG_LEVEL: 'error',
          NODE_OPTIONS: variant.nodeOptions,
          INGRESS_PORT: String(port),
          SINCH_WEBHOOK_SECRETS: SECRET,
          INGRESS_ENSURE_TOPICS: 'false',
          INGRESS_MAX_INFLIGHT_BYTES: variant.inflight,
        },
        { bundled: true },
      );
      const url = `http://127.0.0.1:${port}`;
      await waitForHttp(`${url}/healthz`, ingress);
      let peakRss = 0;
      const sampler = setInterval(() => (peakRss = Math.max(peakRss, ingress.rssKiB() ?? 0)), 50);
      const statuses = new Map<string, number>();
      const count = (s: string): void => void statuses.set(s, (statuses.get(s) ?? 0) + 1);
      const started = performance.now();
      for (let wave = 0; wave < WAVES && ingress.alive(); wave++) {
        await Promise.all(
          Array.from({ length: CONCURRENCY }, async () => {
            try {
              count(
                String(
                  (await postWebhook(`${url}/webhooks/sinch`, body, { secret: SECRET })).status,
                ),
              );
            } catch {
              count('connection error');
            }
          }),
        );
      }
      const seconds = (performance.now() - started) / 1000;
      clearInterval(sampler);
      const survived = ingress.alive();
      const tail = survived ? '' : ingress.output().slice(-4000);
      const outOfHeap = /heap out of memory|Allocation failed|FATAL ERROR/.test(tail);
      await ingress.kill('SIGTERM');
      const answers = [...statuses].map(([s, n]) => `${s}: ${n}`).join(', ');
      rows.push(
        `| ${variant.name} | ${survived ? 'yes' : `**no** (${outOfHeap ? 'out of heap' : 'exited'})`} | ${answers} | ${(peakRss / 1024).toFixed(0)} | ${seconds.toFixed(1)} |`,
      );
      console.error(
        `${variant.name}: survived=${survived} ${answers} rss=${(peakRss / 1024).toFixed(0)} MiB ${tail.slice(-300).replace(/\s+/g, ' ')}`,
      );
    }
  } finally {
    await t.cleanup();
  }
  console.log(
    [
      `_${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, \`npx tsx bench/ingress/burst.ts\`: ${WAVES} waves of ${CONCURRENCY} concurrent signed ${BODY_BYTES}-byte webhooks._`,
      '',
      '| ingress | survived | answers | peak RSS MiB | seconds |',
      '| --- | --- | --- | ---: | ---: |',
      ...rows,
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
