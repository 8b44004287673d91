import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Sinch webhook signatures (docs/DOMAIN.md#signatures):
 *   base64(HMAC-SHA256(key = secret as UTF-8, data = rawBody + "." + nonce + "." + timestamp))
 *
 * We do not use the SDK's `validateWebhookSignature`: it JSON.stringify()s any object body,
 * a Buffer included, so the raw bytes we must verify are never what it signs; it compares
 * with `===` (not constant-time) and ignores the algorithm header. Here the raw body stays
 * bytes end to end, and the comparison is constant-time.
 */
export const SIGNATURE_HEADERS = {
  signature: 'x-sinch-webhook-signature',
  nonce: 'x-sinch-webhook-signature-nonce',
  timestamp: 'x-sinch-webhook-signature-timestamp',
  algorithm: 'x-sinch-webhook-signature-algorithm',
} as const;

export const SUPPORTED_ALGORITHM = 'HmacSHA256';

export interface SignatureHeaders {
  signature?: string;
  nonce?: string;
  timestamp?: string;
  algorithm?: string;
}

export type VerificationFailure =
  | 'MISSING_SIGNATURE_HEADERS'
  | 'UNSUPPORTED_ALGORITHM'
  | 'MALFORMED_TIMESTAMP'
  | 'SIGNATURE_MISMATCH'
  | 'TIMESTAMP_OUTSIDE_WINDOW';

export type VerificationResult =
  | { ok: true; status: 'VERIFIED'; secretIndex: number; ageSeconds: number }
  | { ok: true; status: 'UNSIGNED_ACCEPTED'; secretIndex: -1; ageSeconds: null }
  | { ok: false; reason: VerificationFailure; message: string; ageSeconds: number | null };

export interface VerifyOptions {
  /** Accepted secrets, newest first; several at once during a rotation. Empty: no verification. */
  secrets: readonly string[];
  /** Seconds since the epoch, from the caller's clock (this module reads none). */
  nowSeconds: number;
  /** Refuse signatures older (or further in the future) than this; null (default): record the age only. */
  maxAgeSeconds?: number | null;
}

/** Reads the four signature headers from a Node/express header map (names are lower-case there). */
export function signatureHeadersFrom(
  headers: Record<string, string | string[] | undefined>,
): SignatureHeaders {
  // A proxy may merge duplicated headers into an array: take the first value, as the SDKs do.
  const first = (name: string): string | undefined => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  return {
    signature: first(SIGNATURE_HEADERS.signature),
    nonce: first(SIGNATURE_HEADERS.nonce),
    timestamp: first(SIGNATURE_HEADERS.timestamp),
    algorithm: first(SIGNATURE_HEADERS.algorithm),
  };
}

/** The base64 signature Sinch computes for these bytes. */
export function computeSignature(
  rawBody: Buffer,
  nonce: string,
  timestamp: string,
  secret: string,
): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update(rawBody)
    .update(`.${nonce}.${timestamp}`, 'utf8')
    .digest('base64');
}

/** Signs a body the way Sinch does; used by the simulator and tests. */
export function signWebhook(
  rawBody: Buffer,
  secret: string,
  nonce: string,
  timestamp: string | number,
): Record<(typeof SIGNATURE_HEADERS)[keyof typeof SIGNATURE_HEADERS], string> {
  const ts = String(timestamp);
  return {
    [SIGNATURE_HEADERS.signature]: computeSignature(rawBody, nonce, ts, secret),
    [SIGNATURE_HEADERS.nonce]: nonce,
    [SIGNATURE_HEADERS.timestamp]: ts,
    [SIGNATURE_HEADERS.algorithm]: SUPPORTED_ALGORITHM,
  };
}

function constantTimeEqual(expectedBase64: string, givenBase64: string): boolean {
  const expected = Buffer.from(expectedBase64, 'utf8');
  const given = Buffer.from(givenBase64, 'utf8');
  // timingSafeEqual needs equal lengths; compare against itself to spend the same time.
  if (expected.length !== given.length) {
    timingSafeEqual(expected, expected);
    return false;
  }
  return timingSafeEqual(expected, given);
}

export function verifySignature(
  rawBody: Buffer,
  headers: SignatureHeaders,
  options: VerifyOptions,
): VerificationResult {
  if (options.secrets.length === 0)
    return { ok: true, status: 'UNSIGNED_ACCEPTED', secretIndex: -1, ageSeconds: null };
  const { signature, nonce, timestamp, algorithm } = headers;
  if (!signature || !nonce || !timestamp || !algorithm) {
    const missing = Object.entries(SIGNATURE_HEADERS)
      .filter(([field]) => !headers[field as keyof SignatureHeaders])
      .map(([, header]) => header);
    return {
      ok: false,
      reason: 'MISSING_SIGNATURE_HEADERS',
      message: `missing header(s): ${missing.join(', ')}`,
      ageSeconds: null,
    };
  }
  if (algorithm !== SUPPORTED_ALGORITHM) {
    return {
      ok: false,
      reason: 'UNSUPPORTED_ALGORITHM',
      message: `algorithm '${algorithm}' is not ${SUPPORTED_ALGORITHM}`,
      ageSeconds: null,
    };
  }
  if (!/^\d{1,15}$/.test(timestamp)) {
    return {
      ok: false,
      reason: 'MALFORMED_TIMESTAMP',
      message: 'timestamp must be epoch seconds',
      ageSeconds: null,
    };
  }
  const ageSeconds = options.nowSeconds - Number(timestamp);
  let matched = -1;
  // Try every secret, without stopping early, so the time spent does not tell which one matched.
  options.secrets.forEach((secret, index) => {
    if (
      constantTimeEqual(computeSignature(rawBody, nonce, timestamp, secret), signature) &&
      matched < 0
    )
      matched = index;
  });
  if (matched < 0) {
    return {
      ok: false,
      reason: 'SIGNATURE_MISMATCH',
      message: 'signature does not match any configured secret',
      ageSeconds,
    };
  }
  const maxAge = options.maxAgeSeconds ?? null;
  if (maxAge !== null && Math.abs(ageSeconds) > maxAge) {
    return {
      ok: false,
      reason: 'TIMESTAMP_OUTSIDE_WINDOW',
      message: `signature is ${ageSeconds}s old; window is ${maxAge}s`,
      ageSeconds,
    };
  }
  return { ok: true, status: 'VERIFIED', secretIndex: matched, ageSeconds };
}
