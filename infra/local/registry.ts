import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { newestJava } from './java';
import { copyArtifact, ensureCopied } from './maven';
import { run, startDetached, waitFor } from './processes';
import { INFRA_DIR, type InfraSettings } from './settings';

/**
 * Apicurio Registry, run from its ready-made archive on Maven Central
 * (io.apicurio:apicurio-registry-app:<v>:tar.gz:all, a Quarkus app). From 3.2.1 on it is
 * compiled for Java 21, so 3.3.3 runs on the newest JDK of the machine (Temurin 25 here)
 * and 3.0.9 is the fallback on Java 17. Storage: our PostgreSQL (database cpm_registry),
 * so schema ids survive a restart as the Kafka records that carry them do.
 * Its Confluent-compatible API is under /apis/ccompat/v7.
 */
export const REGISTRY_VERSION_JAVA21 = process.env.INFRA_REGISTRY_VERSION ?? '3.3.3';
export const REGISTRY_VERSION_JAVA17 = '3.0.9';
const LOG_FILE = join(INFRA_DIR, 'logs', 'registry.log');

export function chooseRegistry(): { version: string; java: string } {
  const java = newestJava();
  return java.major >= 21
    ? { version: REGISTRY_VERSION_JAVA21, java: java.path }
    : { version: REGISTRY_VERSION_JAVA17, java: java.path };
}

export function prepareRegistry(version: string): { downloaded: boolean; home: string } {
  const home = join(INFRA_DIR, 'apicurio', version);
  const downloaded = ensureCopied(home, `apicurio-registry-app:${version}`, () => {
    rmSync(home, { recursive: true, force: true });
    const dir = copyArtifact(
      `io.apicurio:apicurio-registry-app:${version}:tar.gz:all`,
      join(home, 'download'),
    );
    const archive = readdirSync(dir).find((f) => f.endsWith('.tar.gz'));
    if (!archive) throw new Error(`Maven copied no archive of Apicurio ${version} into ${dir}`);
    run(
      'tar',
      ['-xzf', join(dir, archive), '-C', home],
      'tar is needed to unpack the Apicurio archive.',
    );
    rmSync(dir, { recursive: true, force: true });
    if (!existsSync(join(home, 'quarkus-run.jar')))
      throw new Error(`Apicurio ${version} archive has no quarkus-run.jar`);
  });
  return { downloaded, home };
}

export function startRegistry(s: InfraSettings, home: string, java: string): number {
  const pg = new URL(s.postgresUrl);
  const jdbc = `jdbc:postgresql://${pg.hostname}:${pg.port || 5432}/${s.registryDatabase}`;
  return startDetached(
    java,
    [
      `-Xmx${s.registryHeap}`,
      '-XX:TieredStopAtLevel=1',
      '-Dquarkus.http.host=127.0.0.1',
      `-Dquarkus.http.port=${s.registryPort}`,
      '-Dquarkus.management.host=127.0.0.1',
      `-Dquarkus.management.port=${s.registryManagementPort}`,
      '-Dapicurio.storage.kind=sql',
      '-Dapicurio.storage.sql.kind=postgresql',
      `-Dapicurio.datasource.url=${jdbc}`,
      `-Dapicurio.datasource.username=${decodeURIComponent(pg.username || 'postgres')}`,
      // Trust auth ignores it, but the datasource wants one.
      `-Dapicurio.datasource.password=${decodeURIComponent(pg.password || 'unused')}`,
      '-jar',
      join(home, 'quarkus-run.jar'),
    ],
    LOG_FILE,
    home,
  );
}

/**
 * The registry answers its Confluent-compatible API. Not `GET /subjects`: that lists every
 * subject, and with the storage kept in PostgreSQL across runs (thousands of test subjects)
 * it took over 5 s here, past the 2 s each poll allows, so a healthy registry was never
 * found ready. `GET /schemas/types` answers from the same API in milliseconds.
 */
export async function registryReady(s: InfraSettings): Promise<boolean> {
  const response = await fetch(`http://127.0.0.1:${s.registryPort}/apis/ccompat/v7/schemas/types`, {
    signal: AbortSignal.timeout(2000),
  });
  return response.ok;
}

export const waitForRegistry = (s: InfraSettings, timeoutMs = 120_000): Promise<number> =>
  waitFor('Schema Registry', () => registryReady(s), timeoutMs, `See ${LOG_FILE}.`);
