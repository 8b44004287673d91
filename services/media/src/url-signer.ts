import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignatureCheck = 'VALID' | 'EXPIRED' | 'BAD_SIGNATURE';

/**
 * HMAC-SHA256 signatures of public attachment URLs: the id and its expiry (epoch ms) are
 * signed, so neither can be changed by whoever holds the URL. Pure: the clock is an argument.
 */
export class UrlSigner {
  constructor(private readonly secret: string) {
    if (secret.length < 32) throw new Error('the URL signing secret needs at least 32 characters');
  }

  sign(id: string, expiresAtMs: number): string {
    return createHmac('sha256', this.secret).update(`${id}\n${expiresAtMs}`).digest('base64url');
  }

  /** The signature is checked first: an expired URL is only reported as such when it is genuine. */
  check(id: string, exp: string, sig: string, nowMs: number): SignatureCheck {
    if (!/^\d{1,16}$/.test(exp)) return 'BAD_SIGNATURE';
    const expected = Buffer.from(this.sign(id, Number(exp)));
    const given = Buffer.from(sig);
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return 'BAD_SIGNATURE';
    return nowMs >= Number(exp) ? 'EXPIRED' : 'VALID';
  }
}
