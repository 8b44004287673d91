/**
 * Child process hosting one server under test, so its RSS is its own and it does not share
 * an event loop with the load generator. Talks to bench/ingress/run.ts over IPC:
 *   parent -> child: {type:'usage-reset'} | {type:'usage-read'} | {type:'stop'}
 *   child -> parent: {type:'ready', webhookUrl, opsUrl, startMs} | {type:'usage', maxRssBytes, cpuPercent} | {type:'stopped'} | {type:'error', message}
 */
import { loadIngressConfig, startIngress } from '@cpm/ingress';
import { createLogger } from '@cpm/platform';
import { startBaselineServer } from './baseline-server';

export type HostTarget = 'baseline' | 'baseline+kafka' | 'ingress';
export type HostCommand = { type: 'usage-reset' } | { type: 'usage-read' } | { type: 'stop' };
export type HostReport =
  | { type: 'ready'; webhookUrl: string; opsUrl: string | null; startMs: number }
  /** Since the last reset: the highest RSS sampled (every 50 ms), and CPU time over wall time (100 = one core). */
  | { type: 'usage'; maxRssBytes: number; cpuPercent: number }
  | { type: 'stopped' }
  | { type: 'error'; message: string };

const send = (report: HostReport): void => {
  process.send?.(report);
};

async function main(): Promise<void> {
  const target = process.argv[2] as HostTarget;
  const secret = process.env.BENCH_WEBHOOK_SECRET ?? '';
  const path = '/webhooks/sinch';
  const started = performance.now();
  let server: { webhookUrl: string; opsUrl: string | null; stop(): Promise<void> };
  if (target === 'ingress') {
    // INGRESS_* variables set around the bench (batching, timeouts) reach the ingress as they would in production.
    const config = loadIngressConfig({
      ...process.env,
      INGRESS_PORT: '0',
      INGRESS_WEBHOOK_PATH: path,
      SINCH_WEBHOOK_SECRETS: secret,
      LOG_LEVEL: 'silent',
      INGRESS_INSTANCE_ID: `bench-ingress-${process.pid}`,
    });
    const ingress = await startIngress(config, createLogger('ingress', 'silent'));
    server = { webhookUrl: ingress.webhookUrl, opsUrl: ingress.url, stop: () => ingress.stop() };
  } else if (target === 'baseline' || target === 'baseline+kafka') {
    // What baseline+kafka shares with the ingress comes from the ingress's own configuration.
    const config =
      target === 'baseline+kafka'
        ? loadIngressConfig({ ...process.env, SINCH_WEBHOOK_SECRETS: secret })
        : null;
    const baseline = await startBaselineServer({
      secrets: [secret],
      path,
      bodyLimitBytes: 1024 * 1024,
      kafka: config
        ? {
            brokers: config.KAFKA_BROKERS,
            namespace: config.TOPIC_NAMESPACE,
            partitions: config.TOPIC_PARTITIONS,
            producers: config.INGRESS_KAFKA_PRODUCERS,
            lingerMs: config.INGRESS_BATCH_LINGER_MS,
            maxRecords: config.INGRESS_BATCH_MAX_RECORDS,
          }
        : undefined,
    });
    server = { ...baseline, opsUrl: null };
  } else {
    throw new Error(`unknown target '${String(target)}': use baseline, baseline+kafka or ingress`);
  }

  let maxRss = process.memoryUsage.rss();
  let cpuFrom = process.cpuUsage();
  let wallFrom = performance.now();
  const sampler = setInterval(() => {
    maxRss = Math.max(maxRss, process.memoryUsage.rss());
  }, 50);
  process.on('message', (command: HostCommand) => {
    if (command.type === 'usage-reset') {
      maxRss = process.memoryUsage.rss();
      cpuFrom = process.cpuUsage();
      wallFrom = performance.now();
    } else if (command.type === 'usage-read') {
      const cpu = process.cpuUsage(cpuFrom);
      const cpuPercent = ((cpu.user + cpu.system) / 1000 / (performance.now() - wallFrom)) * 100;
      send({ type: 'usage', maxRssBytes: Math.max(maxRss, process.memoryUsage.rss()), cpuPercent });
    } else if (command.type === 'stop') {
      clearInterval(sampler);
      server.stop().then(
        () => {
          send({ type: 'stopped' });
          process.disconnect?.();
        },
        (error: Error) => {
          send({ type: 'error', message: `stop failed: ${error.message}` });
          process.exitCode = 1;
          process.disconnect?.();
        },
      );
    }
  });
  send({
    type: 'ready',
    webhookUrl: server.webhookUrl,
    opsUrl: server.opsUrl,
    startMs: performance.now() - started,
  });
}

main().catch((error: Error) => {
  send({ type: 'error', message: error.message });
  process.exitCode = 1;
  process.disconnect?.();
});
