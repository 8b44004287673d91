import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { run } from './processes';

const MVN_HINT = 'Maven (mvn) with access to Maven Central is needed: apt-get install -y maven.';

/**
 * Maven does the downloading (and caches it in ~/.m2). A stamp file records what a folder
 * was filled from, so the copy runs again only when the pinned version changes.
 */
export function ensureCopied(stampDir: string, stamp: string, copy: () => void): boolean {
  const stampFile = join(stampDir, '.stamp');
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return false;
  mkdirSync(stampDir, { recursive: true });
  copy();
  writeFileSync(stampFile, stamp);
  return true;
}

export function copyDependencies(pom: string, outputDirectory: string): void {
  run(
    'mvn',
    [
      '-B',
      '-q',
      '-f',
      pom,
      'dependency:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${outputDirectory}`,
    ],
    MVN_HINT,
  );
}

export function copyArtifact(coordinates: string, outputDirectory: string): string {
  mkdirSync(outputDirectory, { recursive: true });
  run(
    'mvn',
    [
      '-B',
      '-q',
      'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy',
      `-Dartifact=${coordinates}`,
      `-DoutputDirectory=${outputDirectory}`,
    ],
    MVN_HINT,
  );
  return outputDirectory;
}

export function pomVersion(pom: string, property: string): string {
  const match = new RegExp(`<${property}>([^<]+)</${property}>`).exec(readFileSync(pom, 'utf8'));
  if (!match?.[1]) throw new Error(`${pom} has no <${property}>`);
  return match[1];
}

export { dirname };
