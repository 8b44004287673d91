// Lint rule: every `@cpm/*` module a workspace package imports is declared in that package's
// package.json (dependencies, devDependencies or peerDependencies). npm hoists every workspace
// into the root node_modules, so an undeclared import still resolves here; this rule keeps
// each package's declared dependencies the true graph of what it uses.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const manifests = new Map();

/** The package.json nearest above `file`, read once. */
function manifestOf(file) {
  let dir = dirname(file);
  for (;;) {
    if (manifests.has(dir)) return manifests.get(dir);
    const path = join(dir, 'package.json');
    if (existsSync(path)) {
      const json = JSON.parse(readFileSync(path, 'utf8'));
      const declared = new Set(
        [json.dependencies, json.devDependencies, json.peerDependencies].flatMap((d) =>
          Object.keys(d ?? {}),
        ),
      );
      const manifest = { path, name: json.name, declared };
      manifests.set(dir, manifest);
      return manifest;
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** `@cpm/kafka/src/x` → `@cpm/kafka`. */
const packageName = (source) => source.split('/').slice(0, 2).join('/');

export default {
  meta: {
    type: 'problem',
    docs: {
      description: 'Require every @cpm/* import to be declared in the importing package.json',
    },
    messages: {
      undeclared:
        "'{{name}}' is imported but not declared in {{manifest}}: add it to dependencies (or devDependencies for tests).",
    },
    schema: [],
  },
  create(context) {
    const manifest = manifestOf(context.filename);
    const check = (node) => {
      const source = node?.type === 'Literal' && typeof node.value === 'string' ? node.value : null;
      if (!manifest || !source?.startsWith('@cpm/')) return;
      const name = packageName(source);
      if (name === manifest.name || manifest.declared.has(name)) return;
      context.report({
        node,
        messageId: 'undeclared',
        data: { name, manifest: manifest.path.replace(`${process.cwd()}/`, '') },
      });
    };
    return {
      ImportDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
    };
  },
};
