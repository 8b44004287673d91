/**
 * Reads V8 CPU profiles (`node --cpu-prof`, e.g. the services of bench:e2e run with
 * SERVICE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof") and prints, per profile, the
 * frames with the most self time and the inclusive time per module (a sample counts once
 * for every module on its stack). Frames of a `npm run build` bundle are mapped back to the
 * TypeScript through the bundle's linked source map, so read the profiles before the next
 * build rewrites dist/. Which service a profile is: the bundle its frames come from.
 * With `--records N` (the records the process handled while profiled), also µs per record.
 * `--dist DIR`: the bundles the profiled processes ran, where dist/services has been rebuilt
 * since (e.g. another worktree's dist/services, built from the same code).
 * Run: npx tsx bench/profile/top-frames.ts [--top N] [--records N] [--dist DIR] [--markdown] <file.cpuprofile | dir>...
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number; // 0-based
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}
interface Frame {
  name: string;
  where: string; // file:line, the TypeScript source where a source map says so
  module: string;
  /** Native or node-internal code: its time is its caller's, shown as `via`. */
  internal: boolean;
}

const ROOT = resolve(__dirname, '..', '..');
const maps = new Map<string, SourceMap | null>();
let distDir: string | null = null; // --dist: where to find the bundles instead

function sourceMapOf(path: string): SourceMap | null {
  if (!maps.has(path)) {
    const file = `${path}.map`;
    maps.set(path, existsSync(file) ? new SourceMap(JSON.parse(readFileSync(file, 'utf8'))) : null);
  }
  return maps.get(path)!;
}

/** The module a source file belongs to: an npm package, a workspace package or service, node's own. */
function moduleOf(file: string): string {
  const npm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  if (npm) return npm[1]!;
  const workspace = /(?:^|\/)(packages|services|bench)\/([^/]+)\//.exec(file);
  if (workspace) return `${workspace[1]}/${workspace[2]}`;
  if (file.startsWith('node:')) return `node:${file.slice(5).split('/')[0]}`;
  return file || '(native)';
}

function frameOf(cf: CallFrame): Frame {
  const name = cf.functionName || '(anonymous)';
  if (!cf.url)
    return { name, where: '', module: name.startsWith('(') ? name : '(native)', internal: true };
  let file = cf.url.startsWith('file://') ? fileURLToPath(cf.url) : cf.url;
  let line = cf.lineNumber + 1;
  const bundle = /dist\/services\/(.+)$/.exec(file)?.[1];
  const built = distDir && bundle ? join(distDir, bundle) : file;
  const map = file.endsWith('.js') ? sourceMapOf(built) : null;
  const entry = map?.findEntry(cf.lineNumber, cf.columnNumber);
  if (entry && 'originalSource' in entry) {
    const source = entry.originalSource.startsWith('file://')
      ? fileURLToPath(entry.originalSource)
      : resolve(file, '..', entry.originalSource); // relative to the bundle as it ran, in this tree
    file = source;
    line = entry.originalLine + 1;
  }
  const shown = file.startsWith('/') ? relative(ROOT, file) : file;
  const internal = shown.startsWith('node:');
  return { name, where: `${shown}:${line}`, module: moduleOf(shown), internal };
}

export interface ProfileSummary {
  file: string;
  service: string;
  totalMs: number;
  /** Self time per frame, ms, highest first; `via`: the nearest caller in our code or a package, for native and node: frames. */
  self: { frame: Frame; via: string; ms: number }[];
  /** Inclusive time per module, ms, highest first. */
  modules: { module: string; ms: number }[];
}

export function summarize(file: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const parent = new Map<number, number>();
  const nodes = new Map<number, ProfileNode>();
  for (const node of profile.nodes) {
    nodes.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const frames = new Map<number, Frame>();
  const frame = (id: number): Frame => {
    let f = frames.get(id);
    if (!f) frames.set(id, (f = frameOf(nodes.get(id)!.callFrame)));
    return f;
  };
  const self = new Map<string, { frame: Frame; via: string; ms: number }>();
  const modules = new Map<string, number>();
  const bundles = new Map<string, number>();
  let totalMs = 0;
  profile.samples.forEach((id, i) => {
    // timeDeltas[i] is the time before sample i; it is the closest measure of that sample's length.
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    totalMs += ms;
    const f = frame(id);
    let via = '';
    if (f.internal)
      for (let n = parent.get(id); n !== undefined; n = parent.get(n)) {
        const caller = frame(n);
        if (!caller.internal) {
          via = `${caller.name} ${caller.where}`;
          break;
        }
      }
    const key = `${f.name} ${f.where} ${via}`;
    const entry = self.get(key) ?? { frame: f, via, ms: 0 };
    entry.ms += ms;
    self.set(key, entry);
    const seen = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const m = frame(n).module;
      // (root) holds every sample; native frames count for their callers.
      if (m === '(root)' || m === '(native)' || seen.has(m)) continue;
      seen.add(m);
      modules.set(m, (modules.get(m) ?? 0) + ms);
      const bundle = /dist\/services\/([^/]+)\//.exec(nodes.get(n)!.callFrame.url)?.[1];
      if (bundle) bundles.set(bundle, (bundles.get(bundle) ?? 0) + 1);
    }
  });
  const service = [...bundles].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '?';
  return {
    file,
    service,
    totalMs,
    self: [...self.values()].sort((a, b) => b.ms - a.ms),
    modules: [...modules].map(([module, ms]) => ({ module, ms })).sort((a, b) => b.ms - a.ms),
  };
}

function print(s: ProfileSummary, top: number, markdown: boolean, records: number): void {
  const pct = (ms: number) => `${((100 * ms) / s.totalMs).toFixed(1)}%`;
  const perRecord = (ms: number) =>
    records > 0 ? ` (${((1000 * ms) / records).toFixed(1)} µs/record)` : '';
  // Idle time is the process waiting; the share of the busy time is what a change can buy.
  const idle = s.self.find((e) => e.frame.name === '(idle)')?.ms ?? 0;
  const busy = s.totalMs - idle;
  const busyPct = (ms: number) => `${((100 * ms) / busy).toFixed(1)}%`;
  const header = `${s.service}: ${(s.totalMs / 1000).toFixed(1)} s profiled, ${(busy / 1000).toFixed(1)} s busy (${pct(busy)}) — ${s.file}`;
  const selfRows = s.self.filter((e) => e.frame.name !== '(idle)').slice(0, top);
  const moduleRows = s.modules.filter((m) => m.module !== '(idle)').slice(0, top);
  if (markdown) {
    console.log(`**${header}**\n`);
    console.log('| self, % of busy | function | where | via |\n| ---: | --- | --- | --- |');
    for (const e of selfRows)
      console.log(
        `| ${busyPct(e.ms)}${perRecord(e.ms)} | \`${e.frame.name}\` | ${e.frame.where || '-'} | ${e.via || '-'} |`,
      );
    console.log('\n| inclusive, % of busy | module |\n| ---: | --- |');
    for (const m of moduleRows) console.log(`| ${busyPct(m.ms)}${perRecord(m.ms)} | ${m.module} |`);
    console.log('');
    return;
  }
  console.log(header);
  console.log('  self (% of busy)  function  where');
  for (const e of selfRows)
    console.log(
      `  ${busyPct(e.ms).padStart(6)}${perRecord(e.ms)}  ${e.frame.name}  ${e.frame.where}${e.via ? `  via ${e.via}` : ''}`,
    );
  console.log('  inclusive by module (% of busy)');
  for (const m of moduleRows)
    console.log(`  ${busyPct(m.ms).padStart(6)}${perRecord(m.ms)}  ${m.module}`);
  console.log('');
}

function main(): void {
  const args = process.argv.slice(2);
  let top = 10;
  let markdown = false;
  let records = 0;
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--top') top = Number(args[++i]);
    else if (a === '--markdown') markdown = true;
    else if (a === '--records') records = Number(args[++i]);
    else if (a === '--dist') distDir = resolve(args[++i]!);
    else if (statSync(a).isDirectory())
      files.push(
        ...readdirSync(a)
          .filter((f) => f.endsWith('.cpuprofile'))
          .map((f) => join(a, f)),
      );
    else files.push(a);
  }
  if (files.length === 0)
    throw new Error('usage: top-frames.ts [--top N] [--markdown] <file|dir>...');
  for (const file of files) print(summarize(file), top, markdown, records);
}

if (require.main === module) main();
