import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { defaultJava } from './java';
import { copyArtifact, ensureCopied } from './maven';
import { startDetached, waitFor } from './processes';
import { INFRA_DIR } from './settings';

/**
 * Adobe's S3Mock (com.adobe.testing:s3mock, its executable Spring Boot jar on Maven Central,
 * Java 17): a real S3-compatible HTTP server on the local disk, for the media store's S3
 * test. Only tests start it, each its own, and stop it; it is no part of the local default.
 */
export const S3MOCK_VERSION = '3.12.0';
const HOME = join(INFRA_DIR, 's3mock', S3MOCK_VERSION);
const JAR = join(HOME, `s3mock-${S3MOCK_VERSION}-exec.jar`);

export function prepareS3Mock(): { downloaded: boolean; jar: string } {
  const downloaded = ensureCopied(HOME, `s3mock:${S3MOCK_VERSION}`, () => {
    rmSync(HOME, { recursive: true, force: true });
    copyArtifact(`com.adobe.testing:s3mock:${S3MOCK_VERSION}:jar:exec`, HOME);
  });
  if (!existsSync(JAR)) throw new Error(`Maven copied no ${JAR}`);
  return { downloaded, jar: JAR };
}

/**
 * Starts S3Mock on `httpPort` (plain HTTP; its HTTPS port is left to the system) with the
 * given buckets, keeping its objects in `dataDir`. Returns its pid.
 */
export function startS3Mock(
  httpPort: number,
  buckets: string[],
  dataDir: string,
  logFile = join(dataDir, 's3mock.log'),
): number {
  const { jar } = prepareS3Mock();
  return startDetached(
    defaultJava().path,
    [
      '-Xmx256m',
      '-jar',
      jar,
      '--server.port=0',
      `--com.adobe.testing.s3mock.httpPort=${httpPort}`,
      `--com.adobe.testing.s3mock.domain.root=${dataDir}`,
      `--com.adobe.testing.s3mock.domain.initialBuckets=${buckets.join(',')}`,
      '--spring.main.banner-mode=off',
    ],
    logFile,
  );
}

/** Waits until S3Mock answers (a JVM start takes 10-40 s on a busy machine). */
export const waitForS3Mock = (httpPort: number, timeoutMs = 120_000): Promise<number> =>
  waitFor(
    'S3Mock',
    async () => (await fetch(`http://127.0.0.1:${httpPort}/`)).status < 500,
    timeoutMs,
    `See the S3Mock log; Java 17+ and Maven with Maven Central are needed.`,
  );
