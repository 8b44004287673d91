import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signWebhook, verifySignature, signatureHeadersFrom } from './signature';
import { SINCH_FIXTURES_DIR } from '@cpm/testkit/src/fixtures';

const fixtures = SINCH_FIXTURES_DIR;
const vectorBody = readFileSync(join(fixtures, 'WebhooksAuthValidation.json'));
const vectorHeaders = {
  signature: 'wKmZBGo4Cf+y9cZoPHhiVw6ziKeubLGqN4OdG8jlaPo=',
  nonce: '01FJA8B4A7BM43YGWSG9GBV067',
  timestamp: '1634579353',
  algorithm: 'HmacSHA256',
};
const now = 1_800_000_000;

describe('verifySignature', () => {
  it("accepts Sinch's own .NET test vector, trailing newline included, despite its 2021 timestamp", () => {
    const result = verifySignature(vectorBody, vectorHeaders, { secrets: ['foo_secret1234'], nowSeconds: now });
    expect(result).toMatchObject({ ok: true, status: 'VERIFIED', secretIndex: 0 });
    expect(result.ageSeconds).toBe(now - 1634579353);
  });

  it('refuses the vector with the wrong secret', () => {
    expect(verifySignature(vectorBody, vectorHeaders, { secrets: ['wrong_secret'], nowSeconds: now })).toMatchObject({
      ok: false,
      reason: 'SIGNATURE_MISMATCH',
    });
  });

  it('refuses the vector when the trailing newline is stripped (raw bytes matter)', () => {
    const stripped = vectorBody.subarray(0, vectorBody.length - 1);
    expect(verifySignature(stripped, vectorHeaders, { secrets: ['foo_secret1234'], nowSeconds: now }).ok).toBe(false);
  });

  it('accepts any of several secrets during a rotation and says which one matched', () => {
    const result = verifySignature(vectorBody, vectorHeaders, { secrets: ['new-secret', 'foo_secret1234'], nowSeconds: now });
    expect(result).toMatchObject({ ok: true, secretIndex: 1 });
  });

  it('requires all four headers and names the missing ones', () => {
    const result = verifySignature(vectorBody, { ...vectorHeaders, nonce: undefined }, { secrets: ['foo_secret1234'], nowSeconds: now });
    expect(result).toMatchObject({ ok: false, reason: 'MISSING_SIGNATURE_HEADERS' });
    expect(!result.ok && result.message).toContain('x-sinch-webhook-signature-nonce');
  });

  it('accepts only HmacSHA256', () => {
    expect(verifySignature(vectorBody, { ...vectorHeaders, algorithm: 'HmacSHA1' }, { secrets: ['foo_secret1234'], nowSeconds: now })).toMatchObject({
      ok: false,
      reason: 'UNSUPPORTED_ALGORITHM',
    });
  });

  it('applies a strict age window only when configured', () => {
    expect(verifySignature(vectorBody, vectorHeaders, { secrets: ['foo_secret1234'], nowSeconds: now, maxAgeSeconds: 300 })).toMatchObject({
      ok: false,
      reason: 'TIMESTAMP_OUTSIDE_WINDOW',
    });
  });

  it('round-trips with signWebhook and reads headers case-insensitively as Node gives them', () => {
    const body = Buffer.from('{"app_id":"a","message":{}}\n');
    const headers = signWebhook(body, 's3cret', 'n1', 1700000000);
    const read = signatureHeadersFrom({ ...headers, 'x-sinch-webhook-signature': [headers['x-sinch-webhook-signature'], 'other'] });
    expect(verifySignature(body, read, { secrets: ['s3cret'], nowSeconds: 1700000001 })).toMatchObject({ ok: true, ageSeconds: 1 });
    const tampered = Buffer.from(body.toString().replace('"a"', '"b"'));
    expect(verifySignature(tampered, read, { secrets: ['s3cret'], nowSeconds: 1700000001 }).ok).toBe(false);
  });
});
