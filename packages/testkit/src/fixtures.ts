import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Sinch's own callback payloads (shared/fixtures beside the repo), as raw bytes. */
export const SINCH_FIXTURES_DIR = resolve(__dirname, '..', '..', '..', '..', 'shared', 'fixtures', 'sinch-sdk-dotnet-hooks');

export function sinchFixtures(): { file: string; body: Buffer }[] {
  return readdirSync(SINCH_FIXTURES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, body: readFileSync(join(SINCH_FIXTURES_DIR, file)) }));
}

export function sinchFixture(file: string): Buffer {
  return readFileSync(join(SINCH_FIXTURES_DIR, file));
}
