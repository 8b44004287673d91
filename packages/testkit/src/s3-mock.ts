import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { INFRA_DIR, isAlive, portInUse, startS3Mock, stopPid, waitForS3Mock } from '@cpm/infra';

export interface TestS3 {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  bucket: string;
  stop(): Promise<void>;
}

/**
 * An S3-compatible server of a test's own (S3Mock on `port`, its own data folder, one
 * bucket), stopped and deleted by `stop`.
 */
export async function startTestS3(port: number, bucket = 'media'): Promise<TestS3> {
  if (await portInUse(port))
    throw new Error(
      `port ${port} is taken (an S3Mock left by an earlier run?); set TEST_S3_PORT to another port`,
    );
  const dataDir = join(INFRA_DIR, 'test-s3', randomBytes(4).toString('hex'));
  const pid = startS3Mock(port, [bucket], dataDir);
  try {
    await waitForS3Mock(port);
  } catch (error) {
    if (isAlive(pid)) await stopPid(pid, 'S3Mock', 10_000);
    throw error;
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    async stop() {
      await stopPid(pid, 'S3Mock', 10_000);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
