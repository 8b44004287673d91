/**
 * `npm run build`: bundles each long-running service's main.ts with esbuild into
 * dist/services/<name>/main.js, to run as plain `node` (no TypeScript loader at run time).
 * Our workspace packages are bundled in; npm dependencies stay in node_modules (external).
 * Why: the tsx loader costs about 40 MiB of RSS per process and slows start-up; tests and
 * the dev commands keep running the TypeScript directly.
 *
 * The bundle sits three directories below the repository root, like every source file of
 * packages/x/src and services/x/src, so paths the code builds from __dirname (schemas/,
 * migrations, the console's web/) resolve the same from the bundle.
 */
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
export const BUNDLED_SERVICES = [
  'ingress',
  'normalizer',
  'outbound',
  'media',
  'agent-events',
  'projector',
  'console',
] as const;

export function bundlePath(service: string): string {
  return resolve(ROOT, 'dist', 'services', service, 'main.js');
}

export async function buildServices(): Promise<void> {
  const started = Date.now();
  for (const service of BUNDLED_SERVICES)
    await bundle(resolve(ROOT, 'services', service, 'src', 'main.ts'), service);
  // The migration command, which the bundled projector and replay run (packages/postgres migrate()).
  await bundle(resolve(ROOT, 'packages', 'postgres', 'src', 'migrate-cli.ts'), 'migrate');
  console.log(
    `[build] ${BUNDLED_SERVICES.length} services and the migration command bundled into dist/services in ${Date.now() - started} ms`,
  );
}

/** Bundles one entry point into dist/services/<name>/main.js (also used by benches for their own processes). */
export async function bundle(entry: string, name: string): Promise<void> {
  const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  const external = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)];
  await build({
    entryPoints: [entry],
    outfile: bundlePath(name),
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    sourcemap: 'linked', // stack traces point at the TypeScript (run with --enable-source-maps)
    external: [...external, ...external.map((dep) => `${dep}/*`)],
    logLevel: 'warning',
  });
}

if (require.main === module) {
  buildServices().catch((error: Error) => {
    console.error(`[build] ${error.message}`);
    process.exit(1);
  });
}
