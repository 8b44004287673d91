import type { LoadFigures } from './load';
import { sustainedRate, type PhaseFigures, type TargetRun } from './figures';

/** `left`: how many leading columns are labels (left-aligned). */
export type Table = { head: string[]; rows: string[][]; left: number };

const ms = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : '-');
const int = (v: number): string =>
  Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '-';
const failures = (f: LoadFigures): string =>
  `${f.non2xx + f.errors}${f.timeouts ? ` (${f.timeouts} timeouts)` : ''}`;
const cpu = (p: PhaseFigures): string =>
  `${int(p.cpuPercent)} / ${p.brokerCpuPercent === null ? '-' : int(p.brokerCpuPercent)} / ${int(p.loadCpuPercent)}`;
const sends = (p: PhaseFigures): string =>
  p.batches ? `${int(p.batches.perSecond)} × ${p.batches.meanSize.toFixed(1)}` : '-';

export function throughputTable(runs: TargetRun[], connections: number): Table {
  return {
    left: 2,
    head: [
      'target',
      'round',
      `req/s (${connections} conns)`,
      'p50 ms',
      'p99 ms',
      'p99.9 ms',
      'max ms',
      'non-2xx/errors',
      'max RSS MiB',
      'CPU % server / broker / load gen',
      'Kafka sends/s × records',
    ],
    rows: runs.map((r) => {
      const f = r.throughput.load;
      return [
        r.target,
        String(r.round),
        int(f.okPerSecond),
        ms(f.p50),
        ms(f.p99),
        ms(f.p999),
        ms(f.max),
        failures(f),
        int(r.throughput.rssMaxMiB),
        cpu(r.throughput),
        sends(r.throughput),
      ];
    }),
  };
}

export function rateTable(runs: TargetRun[], rate: number): Table {
  const rows: string[][] = [];
  for (const r of runs) {
    for (const [pacing, p] of [
      ['even', r.paced],
      ['bursts (autocannon)', r.bursty],
    ] as const) {
      const f = p.load;
      rows.push([
        r.target,
        String(r.round),
        pacing,
        int(f.okPerSecond),
        ms(f.p50),
        ms(f.p99),
        ms(f.p999),
        failures(f),
        sustainedRate(f, rate) ? 'yes' : 'NO',
        cpu(p),
        sends(p),
      ]);
    }
  }
  return {
    left: 3,
    head: [
      'target',
      'round',
      'pacing',
      'achieved req/s',
      'p50 ms',
      'p99 ms',
      'p99.9 ms',
      'non-2xx/errors',
      `sustained ${rate}/s`,
      'CPU % server / broker / load gen',
      'Kafka sends/s × records',
    ],
    rows,
  };
}

export function toText(table: Table): string {
  const widths = table.head.map((h, i) =>
    Math.max(h.length, ...table.rows.map((r) => (r[i] ?? '').length)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i < table.left ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ');
  return [
    line(table.head),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...table.rows.map(line),
  ].join('\n');
}

export function toMarkdown(table: Table): string {
  const row = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [
    row(table.head),
    row(table.head.map((_, i) => (i < table.left ? '---' : '---:'))),
    ...table.rows.map(row),
  ].join('\n');
}
