import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * This project's own Conversation API callbacks (packages/testkit/fixtures/callbacks), as raw
 * bytes: one file per trigger that `detectTrigger` knows, plus one body whose top-level key
 * it does not know. They follow the field names of Sinch's documented callback shapes, with
 * ids, texts and times of our own.
 */
export const CALLBACK_FIXTURES_DIR = resolve(__dirname, '..', 'fixtures', 'callbacks');
const SIGNATURE_DIR = resolve(__dirname, '..', 'fixtures', 'signature');

export function callbackFixtures(): { file: string; body: Buffer }[] {
  return readdirSync(CALLBACK_FIXTURES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, body: callbackFixture(file) }));
}

export function callbackFixture(file: string): Buffer {
  return readFileSync(join(CALLBACK_FIXTURES_DIR, file));
}

/**
 * Callbacks of each kind of customer content (fixtures/callbacks/content): one file per
 * contact_message variant, an app message offering choices (MESSAGE_SUBMIT) and an
 * UNSUPPORTED callback with a channel payload, in the documented shapes.
 */
export function contentFixture(file: string): Buffer {
  return readFileSync(join(CALLBACK_FIXTURES_DIR, 'content', file));
}

export interface SignatureVector {
  /** The exact bytes that were signed, trailing newline included. */
  body: Buffer;
  secret: string;
  /** The four x-sinch-webhook-signature* headers, as an HTTP request carries them. */
  headers: Record<string, string>;
}

/**
 * A signed request of our own: the signature is base64(HMAC-SHA256(secret, body + "." + nonce
 * + "." + timestamp)), computed once over fixtures/signature/body.json and kept in vector.json.
 */
export function signatureVector(): SignatureVector {
  const { secret, headers } = JSON.parse(
    readFileSync(join(SIGNATURE_DIR, 'vector.json'), 'utf8'),
  ) as Omit<SignatureVector, 'body'>;
  return { body: readFileSync(join(SIGNATURE_DIR, 'body.json')), secret, headers };
}
