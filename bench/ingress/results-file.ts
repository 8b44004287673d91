import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/**
 * Replaces the section that starts with `heading` (up to the next `## ` heading) in a
 * markdown file, or appends it; other benches keep their sections.
 */
export function writeSection(file: string, heading: string, body: string): void {
  const section = `${heading}\n\n${body.trim()}\n`;
  if (!existsSync(file)) {
    writeFileSync(
      file,
      `# Benchmark results\n\nWritten by the benches in bench/ (see bench/README.md); each run replaces its own section.\n\n${section}`,
    );
    return;
  }
  const lines = readFileSync(file, 'utf8').split('\n');
  const start = lines.findIndex((l) => l.trim() === heading);
  if (start < 0) {
    writeFileSync(file, `${lines.join('\n').trimEnd()}\n\n${section}`);
    return;
  }
  let end = lines.findIndex((l, i) => i > start && /^## /.test(l));
  if (end < 0) end = lines.length;
  const before = lines.slice(0, start).join('\n').trimEnd();
  const after = lines.slice(end).join('\n').trim();
  writeFileSync(file, `${before ? `${before}\n\n` : ''}${section}${after ? `\n${after}\n` : ''}`);
}
