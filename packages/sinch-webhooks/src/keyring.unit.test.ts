import { z } from 'zod';
import { csv, loadConfig } from '@cpm/platform';
import {
  keyringFromSecrets,
  keyringOf,
  refineWebhookSecrets,
  secretFingerprint,
  secretsValidAt,
  verifyWithKeyring,
  keyringSetting,
  type Keyring,
} from './keyring';
import { signWebhook, signatureHeadersFrom } from './signature';

// As the services' config schemas hold them (services/ingress/src/config.ts).
const schema = z
  .object({ SINCH_WEBHOOK_SECRETS: csv, SINCH_WEBHOOK_KEYRING: keyringSetting })
  .superRefine(refineWebhookSecrets);
const load = (env: Record<string, string>) => loadConfig(schema, env);
const keyringEnv = (entries: unknown) => ({ SINCH_WEBHOOK_KEYRING: JSON.stringify(entries) });

const JAN = Date.parse('2026-01-01T00:00:00Z');
const APR = Date.parse('2026-04-01T00:00:00Z');
const JUL = Date.parse('2026-07-01T00:00:00Z');

const keyring: Keyring = keyringOf(
  load(
    keyringEnv([
      { id: '2026-q3', secret: 'third-secret', validFrom: '2026-07-01T00:00:00Z' },
      { id: '2026-q2', secret: 'second-secret', validFrom: '2026-04-01', validUntil: '2026-07-02' },
      { id: '2026-q1', secret: 'first-secret', validFrom: '2026-01-01', validUntil: '2026-04-01' },
    ]),
  ),
);

const body = Buffer.from('{"message":{"id":"m1"}}');
const signedAt = (secret: string, atMs: number) =>
  signatureHeadersFrom(signWebhook(body, secret, 'nonce', Math.floor(atMs / 1000)));

describe('webhook keyring: configuration', () => {
  it('parses the JSON form: ids, windows as epoch ms, open ends as null, order kept', () => {
    expect(keyring.map((k) => [k.id, k.validFrom, k.validUntil])).toEqual([
      ['2026-q3', JUL, null],
      ['2026-q2', APR, Date.parse('2026-07-02T00:00:00Z')],
      ['2026-q1', JAN, APR],
    ]);
  });

  it('keeps SINCH_WEBHOOK_SECRETS: fingerprint ids, stable, short, not the secret, no window', () => {
    const ring = keyringOf(load({ SINCH_WEBHOOK_SECRETS: 'new-secret, old-secret' }));
    expect(ring.map((k) => k.secret)).toEqual(['new-secret', 'old-secret']);
    expect(ring[0]).toMatchObject({ validFrom: null, validUntil: null });
    expect(ring[0]!.id).toMatch(/^fp-[0-9a-f]{12}$/);
    expect(ring[0]!.id).toBe(secretFingerprint('new-secret'));
    expect(ring[0]!.id).not.toBe(ring[1]!.id);
    expect(ring[0]!.id).not.toContain('new-secret');
    // The id names the secret, not its position: reordering after a rotation keeps it.
    expect(keyringFromSecrets(['newer', 'new-secret'])[1]!.id).toBe(ring[0]!.id);
    expect(keyringOf(load({}))).toEqual([]);
  });

  it('refuses a broken keyring with the entry and field named, never the secret', () => {
    const fails = (env: Record<string, string>, pattern: RegExp) => {
      let message = '';
      try {
        load(env);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(pattern);
      expect(message).not.toMatch(/hunter2/);
    };
    fails(
      { SINCH_WEBHOOK_KEYRING: '[{"id":"a","secret":"hunter2"' },
      /SINCH_WEBHOOK_KEYRING: not valid JSON/,
    );
    fails(keyringEnv([]), /SINCH_WEBHOOK_KEYRING: an empty keyring/);
    fails(keyringEnv({ id: 'a', secret: 'hunter2' }), /SINCH_WEBHOOK_KEYRING: a JSON array/);
    fails(
      keyringEnv([{ id: 'a b', secret: 'hunter2' }]),
      /SINCH_WEBHOOK_KEYRING\.0\.id: id: 1 to 64/,
    );
    fails(keyringEnv([{ id: 'a', secret: '' }]), /SINCH_WEBHOOK_KEYRING\.0\.secret/);
    fails(
      keyringEnv([{ id: 'a', secret: 'hunter2', validFrom: 'last week' }]),
      /SINCH_WEBHOOK_KEYRING\.0\.validFrom: must be an ISO-8601 time/,
    );
    fails(
      keyringEnv([
        { id: 'a', secret: 'hunter2', validFrom: '2026-02-01', validUntil: '2026-01-01' },
      ]),
      /SINCH_WEBHOOK_KEYRING\.0\.validUntil: must be after validFrom/,
    );
    fails(
      keyringEnv([
        { id: 'a', secret: 'hunter2' },
        { id: 'a', secret: 'other' },
      ]),
      /SINCH_WEBHOOK_KEYRING\.1\.id: id a is used twice/,
    );
    fails(
      keyringEnv([{ id: 'x-hunter2', secret: 'hunter2' }]),
      /0\.id: must not contain the secret/,
    );
    fails(keyringEnv([{ id: 'a', secret: 'hunter2', extra: 1 }]), /Unrecognized key/);
    fails(
      { SINCH_WEBHOOK_SECRETS: 'hunter2', ...keyringEnv([{ id: 'a', secret: 'hunter2' }]) },
      /SINCH_WEBHOOK_KEYRING: set together with SINCH_WEBHOOK_SECRETS/,
    );
  });
});

describe('webhook keyring: selection by receipt time', () => {
  it('gives the secrets valid at a time, newest first; from inclusive, until exclusive', () => {
    const ids = (at: number) => secretsValidAt(keyring, at).map((k) => k.id);
    expect(ids(JAN - 1)).toEqual([]);
    expect(ids(JAN)).toEqual(['2026-q1']);
    expect(ids(APR - 1)).toEqual(['2026-q1']);
    expect(ids(APR)).toEqual(['2026-q2']);
    expect(ids(JUL + 3_600_000)).toEqual(['2026-q3', '2026-q2']); // the overlap of a rotation
    expect(ids(Date.parse('2030-01-01'))).toEqual(['2026-q3']);
  });

  it('verifies with the secret valid at receipt, and names it', () => {
    const at = Date.parse('2026-02-10T12:00:00Z');
    expect(
      verifyWithKeyring(body, signedAt('first-secret', at), { keyring, receivedAtMs: at }),
    ).toMatchObject({ ok: true, status: 'VERIFIED', secretId: '2026-q1', ageSeconds: 0 });
    // The same secret outside its window is refused, as is a secret not yet valid.
    const later = Date.parse('2026-05-10T12:00:00Z');
    expect(
      verifyWithKeyring(body, signedAt('first-secret', later), { keyring, receivedAtMs: later }),
    ).toMatchObject({ ok: false, reason: 'SIGNATURE_MISMATCH', secretId: null });
    expect(
      verifyWithKeyring(body, signedAt('third-secret', at), { keyring, receivedAtMs: at }),
    ).toMatchObject({ ok: false, reason: 'SIGNATURE_MISMATCH' });
  });

  it('re-verifies a stored record with the secret it names, whatever the time', () => {
    const at = Date.parse('2026-02-10T12:00:00Z');
    const headers = signedAt('first-secret', at);
    expect(
      verifyWithKeyring(body, headers, { keyring, receivedAtMs: at, secretId: '2026-q1' }),
    ).toMatchObject({ ok: true, secretId: '2026-q1' });
    expect(
      verifyWithKeyring(body, headers, { keyring, receivedAtMs: at, secretId: '2026-q2' }),
    ).toMatchObject({ ok: false, reason: 'SIGNATURE_MISMATCH' });
    // A record verified while the secrets were configured without ids names the fingerprint.
    expect(
      verifyWithKeyring(body, headers, {
        keyring,
        receivedAtMs: at,
        secretId: secretFingerprint('first-secret'),
      }),
    ).toMatchObject({ ok: true, secretId: '2026-q1' });
    expect(
      verifyWithKeyring(body, headers, { keyring, receivedAtMs: at, secretId: 'retired' }),
    ).toMatchObject({ ok: false, message: 'secret retired is not in the keyring' });
  });

  it('refuses when no secret is valid at that time; accepts unsigned only with no keyring at all', () => {
    const before = JAN - 1000;
    const result = verifyWithKeyring(body, signedAt('first-secret', before), {
      keyring,
      receivedAtMs: before,
    });
    expect(result).toMatchObject({ ok: false, reason: 'SIGNATURE_MISMATCH' });
    expect(!result.ok && result.message).toMatch(/no secret of the keyring is valid at 2025-12-31/);
    expect(verifyWithKeyring(body, {}, { keyring: [], receivedAtMs: JAN })).toMatchObject({
      ok: true,
      status: 'UNSIGNED_ACCEPTED',
      secretId: null,
    });
  });
});
