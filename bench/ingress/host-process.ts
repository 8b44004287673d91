import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { HostCommand, HostReport, HostTarget } from './server-host';

export interface HostProcess {
  target: HostTarget;
  webhookUrl: string;
  opsUrl: string | null;
  startMs: number;
  usageReset(): void;
  usage(): Promise<{ maxRssBytes: number; cpuPercent: number }>;
  stop(): Promise<void>;
}

function nextReport<T extends HostReport['type']>(
  child: ChildProcess,
  type: T,
  timeoutMs: number,
): Promise<Extract<HostReport, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        done(new Error(`server host (pid ${child.pid}) sent no '${type}' within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onMessage = (report: HostReport): void => {
      if (report.type === type) done(null, report as Extract<HostReport, { type: T }>);
      else if (report.type === 'error') done(new Error(`server host: ${report.message}`));
    };
    const onExit = (code: number | null): void =>
      done(new Error(`server host exited (code ${code}) before '${type}'`));
    function done(error: Error | null, report?: Extract<HostReport, { type: T }>): void {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(report!);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Forks bench/ingress/server-host.ts (under the same tsx loader) and waits until it listens. */
export async function startHost(target: HostTarget, env: NodeJS.ProcessEnv): Promise<HostProcess> {
  // BENCH_CPU_PROFILE_DIR: write a V8 CPU profile of each server (open it in Chrome DevTools).
  const profile = env.BENCH_CPU_PROFILE_DIR
    ? [
        '--cpu-prof',
        `--cpu-prof-dir=${env.BENCH_CPU_PROFILE_DIR}`,
        `--cpu-prof-name=${target}-${Date.now()}.cpuprofile`,
      ]
    : [];
  const child = fork(join(__dirname, 'server-host.ts'), [target], {
    env,
    execArgv: [...process.execArgv, ...profile],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const command = (c: HostCommand): void => {
    child.send(c);
  };
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let ready;
  try {
    ready = await nextReport(child, 'ready', 60_000);
  } catch (error) {
    child.kill();
    throw error;
  }
  return {
    target,
    webhookUrl: ready.webhookUrl,
    opsUrl: ready.opsUrl,
    startMs: ready.startMs,
    usageReset: () => command({ type: 'usage-reset' }),
    async usage() {
      const answer = nextReport(child, 'usage', 10_000);
      command({ type: 'usage-read' });
      const { maxRssBytes, cpuPercent } = await answer;
      return { maxRssBytes, cpuPercent };
    },
    async stop() {
      const stopped = nextReport(child, 'stopped', 30_000);
      command({ type: 'stop' });
      await stopped;
      // A clean stop leaves nothing running; if a handle lingers, end the child we started.
      const timer = setTimeout(() => child.kill(), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
