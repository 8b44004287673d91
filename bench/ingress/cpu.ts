import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux build the benches run on

/** CPU seconds (user + system) a process has used so far, from /proc; null where there is none. */
export function processCpuSeconds(pid: number | null): number | null {
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** CPU use of the given processes over a span, in % of one core (100 = one core busy). */
export function cpuMeter(pids: Record<string, number | null>): () => Record<string, number | null> {
  const wallFrom = performance.now();
  const from = Object.fromEntries(
    Object.entries(pids).map(([name, pid]) => [name, processCpuSeconds(pid)]),
  );
  return () => {
    const wall = (performance.now() - wallFrom) / 1000;
    return Object.fromEntries(
      Object.entries(pids).map(([name, pid]) => {
        const before = from[name];
        const now = processCpuSeconds(pid);
        return [
          name,
          before === null || before === undefined || now === null
            ? null
            : ((now - before) / wall) * 100,
        ];
      }),
    );
  };
}
