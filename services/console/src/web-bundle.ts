import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

// From the repository root (three levels up, here and in the service's bundle under dist/).
export const WEB_DIR = resolve(__dirname, '..', '..', '..', 'services', 'console', 'web');

export interface WebAssets {
  html: string;
  css: string;
  js: string;
}

/** The page: web/index.html, web/console.css and web/app.ts bundled by esbuild, in memory. */
export async function bundleWeb(): Promise<WebAssets> {
  const result = await build({
    entryPoints: [join(WEB_DIR, 'app.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    sourcemap: 'inline',
    logLevel: 'silent',
  });
  const [html, css] = await Promise.all([readFile(join(WEB_DIR, 'index.html'), 'utf8'), readFile(join(WEB_DIR, 'console.css'), 'utf8')]);
  return { html, css, js: result.outputFiles[0]!.text };
}
