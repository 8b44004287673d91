import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface JavaRuntime {
  path: string;
  major: number;
}

function majorOf(javaPath: string): number | null {
  const result = spawnSync(javaPath, ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return null;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(result.stderr + result.stdout);
  if (!match) return null;
  const first = Number(match[1]);
  return first === 1 ? Number(match[2]) : first;
}

/** The default `java` on the PATH (or JAVA_HOME); Kafka 4.x needs 17 or newer. */
export function defaultJava(): JavaRuntime {
  const path = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const major = majorOf(path);
  if (major === null) {
    throw new Error(
      'No Java found. Install a JDK 17+ (Debian: apt-get install -y openjdk-17-jdk-headless) or set JAVA_HOME.',
    );
  }
  if (major < 17)
    throw new Error(`Java ${major} found at ${path}; Kafka 4.x needs Java 17 or newer.`);
  return { path, major };
}

/**
 * The newest JDK on the machine, for Apicurio Registry 3.2+ (compiled for Java 21).
 * INFRA_REGISTRY_JAVA overrides; otherwise the JVMs under /usr/lib/jvm (where Debian and
 * Temurin packages install) and the default java are compared.
 */
export function newestJava(): JavaRuntime {
  const override = process.env.INFRA_REGISTRY_JAVA;
  if (override) {
    const major = majorOf(override);
    if (major === null) throw new Error(`INFRA_REGISTRY_JAVA=${override} does not run`);
    return { path: override, major };
  }
  const candidates: JavaRuntime[] = [defaultJava()];
  const jvmDir = '/usr/lib/jvm';
  if (existsSync(jvmDir)) {
    for (const entry of readdirSync(jvmDir)) {
      const path = join(jvmDir, entry, 'bin', 'java');
      if (!existsSync(path)) continue;
      const major = majorOf(path);
      if (major !== null) candidates.push({ path, major });
    }
  }
  return candidates.reduce((best, c) => (c.major > best.major ? c : best));
}
