import { availableParallelism } from 'node:os';
import { runsOf, type TargetRun, type Verdict } from './figures';
import type { BenchSettings } from './settings';

const mean = (values: number[]): number =>
  values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
const f0 = (v: number): string => Math.round(v).toLocaleString('en-US');
const f1 = (v: number): string => v.toFixed(1);

/** A paragraph that reads the figures: derived from them, so it stays true when they change. */
export function readingOf(runs: TargetRun[], v: Verdict, s: BenchSettings): string {
  const base = runsOf(runs, 'baseline');
  const ing = runsOf(runs, 'ingress');
  const baseP50 = mean(base.map((r) => r.throughput.load.p50));
  const ingP50 = mean(ing.map((r) => r.throughput.load.p50));
  const sends = ing.map((r) => r.throughput.batches).filter((b) => b !== null);
  const sendsPerSecond = mean(sends.map((b) => b.perSecond));
  const batchSize = mean(sends.map((b) => b.meanSize));
  const pacedSends = ing.map((r) => r.paced.batches).filter((b) => b !== null);
  const baseRss = mean(base.map((r) => r.throughput.rssMaxMiB));
  const ingRss = mean(ing.map((r) => r.throughput.rssMaxMiB));
  const spread = (xs: number[]): number => (Math.max(...xs) - Math.min(...xs)) / mean(xs);
  const noise = Math.max(
    spread(base.map((r) => r.throughput.load.okPerSecond)),
    spread(ing.map((r) => r.throughput.load.okPerSecond)),
  );

  const parts: string[] = [];
  parts.push(
    `With ${s.BENCH_CONNECTIONS} connections the ingress answered ${f0(v.ingressOkPerSecond)} req/s, ${f1(v.ratio * 100)}% of the baseline's ${f0(v.baselineOkPerSecond)} ` +
      `(target ${s.BENCH_RATIO_TARGET * 100}%: ${v.ratioMet ? 'met' : 'missed'}); rounds differed by up to ${f0(noise * 100)}%.`,
  );
  if (sends.length > 0) {
    parts.push(
      `Each connection waits for its answer, so throughput is connections ÷ latency: the ingress's median answer took ${f1(ingP50)} ms against ${f1(baseP50)} ms, ` +
        `and it made ${f0(sendsPerSecond)} Kafka sends/s of ${f1(batchSize)} records on average (one send in flight per producer, ${process.env.INGRESS_KAFKA_PRODUCERS ?? '2'} producers, acks=all), ` +
        `i.e. a send every ${f1(1000 / Math.max(1, sendsPerSecond))} ms, each after a linger of up to ${process.env.INGRESS_BATCH_LINGER_MS ?? '2'} ms.`,
    );
  }
  const cpuMs = (rs: TargetRun[], key: 'throughput' | 'paced'): number =>
    mean(rs.map((r) => (r[key].cpuPercent * 10) / r[key].load.okPerSecond));
  const brokerMs = mean(
    ing.map((r) => ((r.paced.brokerCpuPercent ?? Number.NaN) * 10) / r.paced.load.okPerSecond),
  );
  parts.push(
    `At max throughput each server's single event loop was busy ${f0(mean(ing.map((r) => r.throughput.cpuPercent)))}% (ingress) and ${f0(mean(base.map((r) => r.throughput.cpuPercent)))}% (baseline) of a core, ` +
      `at ${cpuMs(ing, 'throughput').toFixed(2)} and ${cpuMs(base, 'throughput').toFixed(2)} ms of CPU per request: both are CPU-bound in the HTTP stack they share, and large batches make the Kafka write cheap per record. ` +
      `At the fixed rate, with small batches, the ingress spent ${cpuMs(ing, 'paced').toFixed(2)} ms per request against ${cpuMs(base, 'paced').toFixed(2)} ms` +
      (Number.isFinite(brokerMs)
        ? `, plus ${brokerMs.toFixed(2)} ms in the broker on the same CPUs.`
        : '.'),
  );
  const kaf = runsOf(runs, 'baseline+kafka');
  if (v.split) {
    // µs of CPU per request at max throughput, and the p99s at the fixed rate.
    const [b, k, i] = [base, kaf, ing].map((rs) => cpuMs(rs, 'throughput') * 1000) as [
      number,
      number,
      number,
    ];
    const p99 = v.pacedP99;
    const ours = (value: number, unit: string): string =>
      value > 0 ? `${f1(value)} ${unit} ours` : `nothing measurable ours (${f1(value)} ${unit})`;
    parts.push(
      `The baseline+kafka server (the baseline plus the same acknowledged, batched Kafka write of the body) answered ${f0(v.kafkaOkPerSecond)} req/s, ${f1(v.split.kafka.throughput * 100)}% of the baseline, ` +
        `and the ingress ${f1(v.split.ours.throughput * 100)}% of it. Of the ingress's ${f0(i - b)} µs of CPU per request over the baseline at max throughput, ` +
        `${f0(k - b)} µs is the Kafka write (kafkajs) and ${ours(i - k, 'µs')}; of its ${f1(p99.ingress - p99.baseline)} ms of p99 over the baseline at an even ${f0(s.BENCH_RATE)} req/s, ` +
        `${f1(p99.kafka - p99.baseline)} ms is waiting for Kafka's acknowledgement and ${ours(p99.ingress - p99.kafka, 'ms')}.`,
    );
  }
  const ingPaced = mean(ing.map((r) => r.paced.load.p99));
  const basePaced = mean(base.map((r) => r.paced.load.p99));
  parts.push(
    `At an even ${f0(s.BENCH_RATE)} req/s the ingress's p99 was ${f1(v.ingressPacedP99)} ms in the worst round (mean ${f1(ingPaced)} ms against the baseline's ${f1(basePaced)} ms, ${v.p99Ratio.toFixed(2)}×; target ${s.BENCH_P99_RATIO_TARGET}×: ${v.p99Met ? 'met' : 'missed'}), ` +
      `the rate was ${v.sustained ? 'sustained' : 'NOT sustained'}` +
      (pacedSends.length > 0
        ? `, with ${f0(mean(pacedSends.map((b) => b.perSecond)))} sends/s of ${f1(mean(pacedSends.map((b) => b.meanSize)))} records.`
        : '.'),
  );
  parts.push(
    `The "bursts" rows use autocannon's own overallRate, which sends each connection's quota for the second back to back at the top of the second, all connections in step: ` +
      `they measure latency under a ${s.BENCH_CONNECTIONS}-deep burst, not at a steady ${f0(s.BENCH_RATE)} req/s, and are shown only for comparison with the autocannon CLI.`,
  );
  parts.push(
    `Peak RSS was ${f0(ingRss)} MiB for the ingress against ${f0(baseRss)} MiB for the baseline. ` +
      `Everything (broker, registry, load generator, server) shares this machine's ${availableParallelism()} CPUs, so the figures compare the two servers; they are not a capacity figure for production.`,
  );
  return parts.join(' ');
}
