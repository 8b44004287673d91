/**
 * The local infrastructure (Kafka 4.x KRaft, Apicurio Registry, the machine's PostgreSQL),
 * without Docker. `npm run infra:up | infra:down [-- --purge] | infra:status`, and
 * `with-infra -- <command>`: runs a command with KAFKA_BROKERS, SCHEMA_REGISTRY_URL and
 * DATABASE_URL set, starting the infra first if needed (and stopping it after, if it
 * started it). Connection settings already in the environment win (docs/CONVENTIONS.md#connection-settings-from-the-environment).
 */
import { spawn } from 'node:child_process';
import { down, isUp, runningElsewhere, status, up } from './local/local-infra';
import { clientEnv, infraSettings } from './local/settings';

async function withInfra(command: string[]): Promise<number> {
  if (command.length === 0) throw new Error('usage: with-infra -- <command> [args]');
  let startedHere = false;
  let env: Record<string, string> = {};
  if (process.env.KAFKA_BROKERS && process.env.SCHEMA_REGISTRY_URL && process.env.DATABASE_URL) {
    console.log(
      '[infra] using KAFKA_BROKERS, SCHEMA_REGISTRY_URL and DATABASE_URL from the environment',
    );
  } else if (isUp()) {
    env = clientEnv(infraSettings());
    await up(); // checks readiness, starts nothing
  } else if (await runningElsewhere()) {
    console.log(
      '[infra] Kafka and the Schema Registry already answer on the configured ports (started from another checkout): using them',
    );
    env = clientEnv(infraSettings());
  } else {
    env = await up();
    startedHere = true;
  }
  const [program, ...args] = command as [string, ...string[]];
  const child = spawn(program, args, {
    stdio: 'inherit',
    env: { ...process.env, ...env },
    shell: false,
  });
  const stopChild = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  process.on('SIGINT', stopChild);
  process.on('SIGTERM', stopChild);
  const code = await new Promise<number>((resolveCode) =>
    child.on('exit', (c, signal) => resolveCode(c ?? (signal ? 1 : 0))),
  );
  if (startedHere && process.env.KEEP_INFRA !== '1') await down();
  return code;
}

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  switch (command) {
    case 'up':
      await up();
      return 0;
    case 'down':
      await down({ purge: rest.includes('--purge') });
      return 0;
    case 'status':
      return (await status()) ? 0 : 1;
    case 'with-infra':
      return withInfra(rest[0] === '--' ? rest.slice(1) : rest);
    case 'env':
      for (const [k, v] of Object.entries(clientEnv(infraSettings())))
        console.log(`export ${k}=${v}`);
      return 0;
    default:
      console.error(
        'usage: tsx infra/cli.ts up | down [--purge] | status | env | with-infra -- <command>',
      );
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`[infra] ${error.message}`);
    process.exit(1);
  },
);
