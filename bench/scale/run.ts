/**
 * Scale bench: the highest rate the normalizer and agent-events sustain with 1, 2 and 3
 * processes of each (default settings, an instance id each), side by side in one run with
 * bench/e2e's bare Kafka baseline (bench/e2e/bare.ts, one process per hop). The same
 * measurement as bench/e2e (bench/e2e/pipeline.ts: one ingress, the load generator in its own
 * process, readers timing each webhook to its agent event): per set-up, evenly paced phases at
 * SCALE_STEPS req/s for SCALE_SECONDS each, until the set-up is saturated (it processes
 * under 80% of the offered rate). Per phase: the rate processed (agent events per second
 * from the first request to the last agent event) and whether the rate was sustained
 * (pace kept, every webhook acknowledged and its agent event read within 15 s, p99 < 1 s).
 * Run: npx tsx infra/cli.ts with-infra -- npm run bench:scale
 * SCALE_INSTANCES (1,2,3), SCALE_STEPS (250,500,1000,1500,2000,2500), SCALE_SECONDS (8),
 * SCALE_PARTITIONS (6), SCALE_BASELINE (true). Writes its section of bench/RESULTS.md.
 */
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { bundle, buildServices } from '../../infra/build';
import { measurePipeline, type PipelineResult } from '../e2e/pipeline';
import { describeNodeSettings, pipelineNodeSettings } from '../e2e/node-settings';
import { writeSection } from '../ingress/results-file';

const list = (value: string): number[] => value.split(',').map(Number);
const INSTANCES = list(process.env.SCALE_INSTANCES ?? '1,2,3');
const STEPS = list(process.env.SCALE_STEPS ?? '250,500,1000,1500,2000,2500');
const SECONDS = Number(process.env.SCALE_SECONDS ?? 8);
const PARTITIONS = Number(process.env.SCALE_PARTITIONS ?? 6);
const BASELINE = process.env.SCALE_BASELINE !== 'false';
const HEADING = '## Scale: N instances of the normalizer and agent-events';
// Every service runs with the node flags docker-compose.yml gives it (bench/e2e's default).
const NODE = pipelineNodeSettings();

interface SetUp {
  label: string;
  instances: number;
  result: PipelineResult;
  /** 1-minute load average of the machine before and after (other work on it shows here). */
  load: [number, number];
}

const loadAverage = (): number => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
const ms = (v: number): string => (Number.isFinite(v) ? v.toFixed(0) : '-');
const highest = (r: PipelineResult): number =>
  r.phases.filter((p) => p.sustained).reduce((m, p) => Math.max(m, p.rate), 0);
const peak = (r: PipelineResult): number =>
  r.phases.reduce((m, p) => Math.max(m, p.processedPerSecond), 0);

async function main(): Promise<void> {
  await buildServices();
  await bundle(resolve(__dirname, '..', 'e2e', 'bare.ts'), 'bare');
  const runs: { label: string; baseline: boolean; instances: number }[] = [
    ...(BASELINE ? [{ label: 'bare Kafka baseline', baseline: true, instances: 1 }] : []),
    ...INSTANCES.map((n) => ({
      label: `${n} × normalizer + ${n} × agent-events`,
      baseline: false,
      instances: n,
    })),
  ];
  const setUps: SetUp[] = [];
  for (const run of runs) {
    const before = loadAverage();
    const result = await measurePipeline({
      baseline: run.baseline,
      instances: run.instances,
      partitions: PARTITIONS,
      phases: [],
      steps: STEPS.map((rate) => ({ rate, seconds: SECONDS })),
      stop: (phase) => phase.processedPerSecond < 0.8 * phase.rate,
      node: NODE,
      logLevel: process.env.SCALE_LOG_LEVEL ?? 'warn',
    });
    setUps.push({ ...run, result, load: [before, loadAverage()] });
  }
  writeSection(resolve(__dirname, '..', 'RESULTS.md'), HEADING, table(setUps));
  console.log(`${HEADING}\n\n${table(setUps)}`);
}

function table(setUps: SetUp[]): string {
  const one = setUps.find((s) => !s.label.startsWith('bare') && s.instances === 1);
  const rss = (s: SetUp): string =>
    [...s.result.peakRss].map(([name, kib]) => `${name} ${Math.round(kib / 1024)}`).join(', ');
  return [
    `_${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, \`npm run bench:scale\` (SCALE_STEPS=${STEPS.join(',')}, SCALE_SECONDS=${SECONDS}, ${PARTITIONS} partitions, one ingress; node flags as deployed: ${describeNodeSettings(NODE)}); ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}; Kafka, the registry, every process and the load generator share the machine._`,
    '',
    'Path and measurement as in "End to end" (bench/e2e/pipeline.ts): signed webhooks → one ingress → normalizer → agent-events, each instance its own process (its `npm run build` bundle, default settings); latency from the request sent to its agent event read back (read_committed). Each set-up steps its offered rate up until it processes under 80% of it. **Processed**: agent events per second from the phase\'s first request to its last agent event read. **Sustained**: pace kept, all acknowledged, all agent events read within 15 s, p99 < 1 s. The baseline is bench/e2e/bare.ts, one process per hop.',
    '',
    '| set-up | offered req/s | processed /s | sustained | agent events | p50 ms | p99 ms | peak RSS per process in the phase, MiB |',
    '| --- | ---: | ---: | --- | ---: | ---: | ---: | --- |',
    ...setUps.flatMap((s) =>
      s.result.phases.map(
        (p) =>
          `| ${s.label} | ${p.rate} | ${p.processedPerSecond.toFixed(0)} | ${p.sustained ? 'yes' : 'no'} | ${p.delivered} / ${p.sent} | ${ms(p.p50)} | ${ms(p.p99)} | ${Object.entries(
            p.rssMiB,
          )
            .map(([name, mib]) => `${name} ${mib}`)
            .join(', ')} |`,
      ),
    ),
    '',
    '| set-up | peak processed /s | vs 1 instance | highest sustained req/s | peak RSS over the run, MiB | load average (1 min) before → after |',
    '| --- | ---: | ---: | ---: | --- | --- |',
    ...setUps.map((s) => {
      const ratio =
        s === one
          ? '1.00'
          : one && !s.label.startsWith('bare')
            ? (peak(s.result) / peak(one.result)).toFixed(2)
            : '-';
      return `| ${s.label} | ${peak(s.result).toFixed(0)} | ${ratio} | ${highest(s.result)} | ${rss(s)} | ${s.load[0].toFixed(1)} → ${s.load[1].toFixed(1)} |`;
    }),
    '',
  ].join('\n');
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
