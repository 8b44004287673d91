import { signWebhook, verifySignature, signatureHeadersFrom } from './signature';
import { signatureVector } from '@cpm/testkit';

const vector = signatureVector();
const vectorBody = vector.body;
const vectorHeaders = signatureHeadersFrom(vector.headers);
const SECRET = vector.secret;
const TIMESTAMP = Number(vectorHeaders.timestamp);
const now = 1_800_000_000;

describe('verifySignature', () => {
  it('accepts our signature vector, trailing newline included, despite its 2025 timestamp', () => {
    const result = verifySignature(vectorBody, vectorHeaders, {
      secrets: [SECRET],
      nowSeconds: now,
    });
    expect(result).toMatchObject({ ok: true, status: 'VERIFIED', secretIndex: 0 });
    expect(result.ageSeconds).toBe(now - TIMESTAMP);
  });

  it("is what signWebhook computes over the vector's body, nonce and timestamp", () => {
    expect(
      signWebhook(vectorBody, SECRET, vectorHeaders.nonce!, TIMESTAMP)['x-sinch-webhook-signature'],
    ).toBe(vectorHeaders.signature);
  });

  it('refuses the vector with the wrong secret', () => {
    expect(
      verifySignature(vectorBody, vectorHeaders, { secrets: ['wrong_secret'], nowSeconds: now }),
    ).toMatchObject({
      ok: false,
      reason: 'SIGNATURE_MISMATCH',
    });
  });

  it('refuses the vector when the trailing newline is stripped (raw bytes matter)', () => {
    const stripped = vectorBody.subarray(0, vectorBody.length - 1);
    expect(
      verifySignature(stripped, vectorHeaders, { secrets: [SECRET], nowSeconds: now }).ok,
    ).toBe(false);
  });

  it('accepts any of several secrets during a rotation and says which one matched', () => {
    const result = verifySignature(vectorBody, vectorHeaders, {
      secrets: ['new-secret', SECRET],
      nowSeconds: now,
    });
    expect(result).toMatchObject({ ok: true, secretIndex: 1 });
  });

  it('requires all four headers and names the missing ones', () => {
    const result = verifySignature(
      vectorBody,
      { ...vectorHeaders, nonce: undefined },
      { secrets: [SECRET], nowSeconds: now },
    );
    expect(result).toMatchObject({ ok: false, reason: 'MISSING_SIGNATURE_HEADERS' });
    expect(!result.ok && result.message).toContain('x-sinch-webhook-signature-nonce');
  });

  it('accepts only HmacSHA256', () => {
    expect(
      verifySignature(
        vectorBody,
        { ...vectorHeaders, algorithm: 'HmacSHA1' },
        { secrets: [SECRET], nowSeconds: now },
      ),
    ).toMatchObject({
      ok: false,
      reason: 'UNSUPPORTED_ALGORITHM',
    });
  });

  it('applies a strict age window only when configured', () => {
    expect(
      verifySignature(vectorBody, vectorHeaders, {
        secrets: [SECRET],
        nowSeconds: now,
        maxAgeSeconds: 300,
      }),
    ).toMatchObject({
      ok: false,
      reason: 'TIMESTAMP_OUTSIDE_WINDOW',
    });
  });

  it('round-trips with signWebhook and reads headers case-insensitively as Node gives them', () => {
    const body = Buffer.from('{"app_id":"a","message":{}}\n');
    const headers = signWebhook(body, 's3cret', 'n1', 1700000000);
    const read = signatureHeadersFrom({
      ...headers,
      'x-sinch-webhook-signature': [headers['x-sinch-webhook-signature'], 'other'],
    });
    expect(
      verifySignature(body, read, { secrets: ['s3cret'], nowSeconds: 1700000001 }),
    ).toMatchObject({ ok: true, ageSeconds: 1 });
    const tampered = Buffer.from(body.toString().replace('"a"', '"b"'));
    expect(
      verifySignature(tampered, read, { secrets: ['s3cret'], nowSeconds: 1700000001 }).ok,
    ).toBe(false);
  });
});
