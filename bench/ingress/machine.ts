import { execFile } from 'node:child_process';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  kafka: string;
  registry: string;
  postgres: string;
  /** Local broker's process, if infra/ runs it on this machine (for its CPU use). */
  kafkaPid: number | null;
}

/** `npx tsx infra/cli.ts status`, if it answers within 20 s: the versions it names. */
function infraStatus(): Promise<string> {
  return new Promise((done) => {
    execFile(
      'npx',
      ['tsx', 'infra/cli.ts', 'status'],
      { cwd: resolve(__dirname, '..', '..'), timeout: 20_000 },
      (_error, stdout) => done(String(stdout ?? '')),
    );
  });
}

export async function describeMachine(): Promise<Machine> {
  const status = await infraStatus();
  const version = (pattern: RegExp): string => pattern.exec(status)?.[1]?.trim() ?? 'unknown';
  return {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kafka: version(/(Kafka [\w.-]+)/),
    registry: version(/((?:Apicurio|Confluent|Karapace|Redpanda)[^,\n]*?\d[\w.-]*)/),
    postgres: version(/(PostgreSQL [\d.]+)/),
    kafkaPid: Number(/Kafka [^\n]*?pid (\d+)/.exec(status)?.[1]) || null,
  };
}
