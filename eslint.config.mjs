// Lint: typescript-eslint's recommended rules on every TypeScript file; Prettier owns layout.
// Boundaries between workspaces (checked here, so `npm run lint` fails on a crossing):
//   - every @cpm/* import of a package or service is declared in its package.json;
//   - packages never import services;
//   - packages/domain and packages/contracts import no I/O (pure rules and types only).
import { readdirSync, readFileSync } from 'node:fs';
import tseslint from 'typescript-eslint';
import declaredWorkspaceDependencies from './eslint-rules/declared-workspace-dependencies.mjs';

const SERVICES = readdirSync(new URL('./services/', import.meta.url), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map(
    (d) =>
      JSON.parse(
        readFileSync(new URL(`./services/${d.name}/package.json`, import.meta.url), 'utf8'),
      ).name,
  );

const noServices = {
  group: SERVICES.flatMap((name) => [name, `${name}/*`]),
  message: 'A package never imports a service: move what both need into a package.',
};
const IO_MODULES = [
  'fs',
  'fs/promises',
  'net',
  'http',
  'https',
  'http2',
  'tls',
  'dgram',
  'dns',
  'child_process',
  'cluster',
  'worker_threads',
];
const noIo = {
  group: [
    ...IO_MODULES.flatMap((m) => [m, `node:${m}`]),
    ...[
      'kafkajs',
      'pg',
      'express',
      'pino',
      'prom-client',
      'avsc',
      '@kafkajs/*',
      '@sinch/*',
      'node-pg-migrate',
      'esbuild',
    ].flatMap((m) => [m, `${m}/*`]),
  ],
  message:
    'packages/domain and packages/contracts are pure: no I/O, no client libraries. Do the I/O in a service and pass values in.',
};
const restrict = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

export default tseslint.config(
  { ignores: ['node_modules/**', '.infra/**', 'dist/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['packages/**/*.ts', 'services/**/*.ts', 'infra/**/*.ts'],
    plugins: {
      cpm: { rules: { 'declared-workspace-dependencies': declaredWorkspaceDependencies } },
    },
    rules: { 'cpm/declared-workspace-dependencies': 'error' },
  },
  // A later block replaces an earlier block's options for the same rule, so the pure packages repeat the service ban.
  { files: ['packages/**/*.ts'], rules: restrict(noServices) },
  {
    files: ['packages/domain/**/*.ts', 'packages/contracts/**/*.ts'],
    rules: restrict(noServices, noIo),
  },
);
