import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

// From the repository root (three levels up, here and in the service's bundle under dist/).
export const WEB_DIR = resolve(__dirname, '..', '..', '..', 'services', 'console', 'web');

export interface WebAssets {
  html: string;
  loginHtml: string;
  css: string;
  js: string;
}

/** The pages: web/index.html, web/login.html, web/console.css and web/app.ts bundled by esbuild, in memory. */
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
  const [html, loginHtml, css] = await Promise.all(
    ['index.html', 'login.html', 'console.css'].map((file) =>
      readFile(join(WEB_DIR, file), 'utf8'),
    ),
  );
  return { html: html!, loginHtml: loginHtml!, css: css!, js: result.outputFiles[0]!.text };
}
