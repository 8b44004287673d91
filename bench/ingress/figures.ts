import type { HostTarget } from './server-host';
import type { LoadFigures } from './load';

export interface BatchFigures {
  perSecond: number;
  meanSize: number;
}

/** One measured load on one server: the client's figures and the server process's. */
export interface PhaseFigures {
  load: LoadFigures;
  rssMaxMiB: number;
  /** CPU time of the server process over wall time; 100 = one core busy. */
  cpuPercent: number;
  /** The same for the local Kafka broker (null if not local) and for the load generator (this process). */
  brokerCpuPercent: number | null;
  loadCpuPercent: number;
  /** Kafka sends of the ingress (none for the baseline). */
  batches: BatchFigures | null;
}

/** What one target did in one round. */
export interface TargetRun {
  target: HostTarget;
  round: number;
  startMs: number;
  throughput: PhaseFigures;
  paced: PhaseFigures;
  bursty: PhaseFigures;
}

export interface Verdict {
  baselineOkPerSecond: number;
  /** baseline+kafka: the same HTTP path plus the acknowledged Kafka write; NaN if not run. */
  kafkaOkPerSecond: number;
  /** Mean p99 at the fixed rate, evenly paced: baseline, baseline+kafka, ingress. */
  pacedP99: { baseline: number; kafka: number; ingress: number };
  ingressOkPerSecond: number;
  ratio: number;
  ratioMet: boolean;
  /** Worst p99 of the ingress over the paced fixed-rate rounds. */
  ingressPacedP99: number;
  /** Mean p99 of the ingress over the paced rounds ÷ the baseline's. */
  p99Ratio: number;
  p99Met: boolean;
  sustained: boolean;
  /**
   * The gap split by baseline+kafka (null when it did not run): its throughput and p99 as
   * ratios to the baseline's (the Kafka write's share), and the ingress's to its (ours).
   */
  split: { kafka: GapRatios; ours: GapRatios } | null;
}

export interface GapRatios {
  throughput: number;
  p99: number;
}

const mean = (values: number[]): number =>
  values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);

export const runsOf = (runs: TargetRun[], target: HostTarget): TargetRun[] =>
  runs.filter((r) => r.target === target);

/** Held the rate: at least 98% of it answered 2xx, and nothing else answered. */
export const sustainedRate = (f: LoadFigures, rate: number): boolean =>
  f.okPerSecond >= 0.98 * rate && f.non2xx + f.errors === 0;

export function verdict(
  runs: TargetRun[],
  targets: { rate: number; p99Ratio: number; ratio: number },
): Verdict {
  const baselineOkPerSecond = mean(
    runsOf(runs, 'baseline').map((r) => r.throughput.load.okPerSecond),
  );
  const ingress = runsOf(runs, 'ingress');
  const ingressOkPerSecond = mean(ingress.map((r) => r.throughput.load.okPerSecond));
  const ratio = ingressOkPerSecond / baselineOkPerSecond;
  const ingressPacedP99 = Math.max(...ingress.map((r) => r.paced.load.p99));
  const pacedP99 = (target: HostTarget): number => {
    const rs = runsOf(runs, target);
    return rs.length === 0 ? Number.NaN : mean(rs.map((r) => r.paced.load.p99));
  };
  const kafka = runsOf(runs, 'baseline+kafka');
  const p99Ratio = pacedP99('ingress') / pacedP99('baseline');
  const kafkaOkPerSecond =
    kafka.length === 0 ? Number.NaN : mean(kafka.map((r) => r.throughput.load.okPerSecond));
  const p99 = {
    baseline: pacedP99('baseline'),
    kafka: pacedP99('baseline+kafka'),
    ingress: pacedP99('ingress'),
  };
  return {
    baselineOkPerSecond,
    kafkaOkPerSecond,
    pacedP99: p99,
    split:
      kafka.length === 0
        ? null
        : {
            kafka: {
              throughput: kafkaOkPerSecond / baselineOkPerSecond,
              p99: p99.kafka / p99.baseline,
            },
            ours: {
              throughput: ingressOkPerSecond / kafkaOkPerSecond,
              p99: p99.ingress / p99.kafka,
            },
          },
    ingressOkPerSecond,
    ratio,
    ratioMet: ratio >= targets.ratio,
    ingressPacedP99,
    p99Ratio,
    p99Met: p99Ratio <= targets.p99Ratio,
    sustained: ingress.every((r) => sustainedRate(r.paced.load, targets.rate)),
  };
}
