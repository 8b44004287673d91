import { UrlSigner } from './url-signer';

const signer = new UrlSigner('0123456789abcdef0123456789abcdef');
const exp = 1_800_000_060_000;

describe('UrlSigner', () => {
  it('accepts its own signature before the expiry', () => {
    expect(signer.check('abc', String(exp), signer.sign('abc', exp), exp - 1)).toBe('VALID');
  });

  it('reports a genuine URL as expired at and after the expiry', () => {
    expect(signer.check('abc', String(exp), signer.sign('abc', exp), exp)).toBe('EXPIRED');
    expect(signer.check('abc', String(exp), signer.sign('abc', exp), exp + 3_600_000)).toBe(
      'EXPIRED',
    );
  });

  it('refuses a changed expiry, id or signature, and another secret', () => {
    const sig = signer.sign('abc', exp);
    expect(signer.check('abc', String(exp + 1000), sig, exp - 5000)).toBe('BAD_SIGNATURE');
    expect(signer.check('abd', String(exp), sig, exp - 5000)).toBe('BAD_SIGNATURE');
    expect(signer.check('abc', String(exp), sig.slice(1), exp - 5000)).toBe('BAD_SIGNATURE');
    expect(signer.check('abc', 'soon', sig, exp - 5000)).toBe('BAD_SIGNATURE');
    const other = new UrlSigner('another-secret-another-secret-xx!');
    expect(other.check('abc', String(exp), sig, exp - 5000)).toBe('BAD_SIGNATURE');
  });

  it('refuses a short secret', () => {
    expect(() => new UrlSigner('short')).toThrow(/32 characters/);
  });
});
