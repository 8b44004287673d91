/**
 * How the benches run each service's node: as docker-compose.yml does (the deployment's
 * default settings), so a V8 flag the deployment sets is the one measured, with no copy of it
 * here to drift. A service's settings are the flags of its `command` between `node` and the
 * script, and its NODE_OPTIONS. For comparisons, SERVICE_NODE_OPTIONS and SERVICE_NODE_ARGS
 * (flags NODE_OPTIONS refuses) are added to every service's, and INGRESS_NODE_OPTIONS, when
 * set, replaces the ingress's NODE_OPTIONS.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';

export interface NodeSettings {
  /** Flags on node's command line, before the script. */
  args: string[];
  nodeOptions: string;
}

export type PipelineService = 'ingress' | 'normalizer' | 'agent-events';

const COMPOSE_FILE = resolve(__dirname, '..', '..', 'docker-compose.yml');

interface ComposeService {
  command?: string[] | string;
  environment?: Record<string, unknown> | string[];
}

/** The node settings docker-compose.yml gives `service`. */
export function composeNodeSettings(service: string, file = COMPOSE_FILE): NodeSettings {
  const compose = parse(readFileSync(file, 'utf8'), { merge: true }) as {
    services?: Record<string, ComposeService>;
  };
  const spec = compose.services?.[service];
  if (!spec) throw new Error(`${file} has no service '${service}'`);
  const command = typeof spec.command === 'string' ? spec.command.split(/\s+/) : spec.command;
  if (!command || command[0] !== 'node' || command.length < 2)
    throw new Error(`${file}: service '${service}' does not run \`node <flags> <script>\``);
  const environment = Array.isArray(spec.environment)
    ? Object.fromEntries(spec.environment.map((e) => e.split(/=(.*)/s).slice(0, 2)))
    : (spec.environment ?? {});
  const nodeOptions = environment.NODE_OPTIONS;
  return {
    args: command.slice(1, -1),
    nodeOptions: typeof nodeOptions === 'string' ? nodeOptions : '',
  };
}

const words = (value: string | undefined): string[] => (value ?? '').split(' ').filter(Boolean);

/** The settings a bench runs `service` with: the deployment's, with the environment's additions. */
export function benchNodeSettings(
  service: PipelineService,
  env: NodeJS.ProcessEnv = process.env,
): NodeSettings {
  const deployed = composeNodeSettings(service);
  const own =
    service === 'ingress' && env.INGRESS_NODE_OPTIONS !== undefined
      ? env.INGRESS_NODE_OPTIONS
      : deployed.nodeOptions;
  return {
    args: [...deployed.args, ...words(env.SERVICE_NODE_ARGS)],
    nodeOptions: [own, ...words(env.SERVICE_NODE_OPTIONS)].filter(Boolean).join(' '),
  };
}

/** Every service of the pipeline's settings (benchNodeSettings). */
export const pipelineNodeSettings = (
  env: NodeJS.ProcessEnv = process.env,
): Record<PipelineService, NodeSettings> => ({
  ingress: benchNodeSettings('ingress', env),
  normalizer: benchNodeSettings('normalizer', env),
  'agent-events': benchNodeSettings('agent-events', env),
});

/** One line for a results file: each service's node flags. */
export function describeNodeSettings(settings: Record<PipelineService, NodeSettings>): string {
  return Object.entries(settings)
    .map(([service, s]) => {
      const flags = [...s.args, ...(s.nodeOptions ? [`NODE_OPTIONS=${s.nodeOptions}`] : [])];
      return `${service} \`${flags.join(' ') || '(none)'}\``;
    })
    .join(', ');
}
