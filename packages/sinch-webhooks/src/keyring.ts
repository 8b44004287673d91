import { createHash } from 'node:crypto';
import { z } from 'zod';
import { verifySignature, type SignatureHeaders, type VerificationResult } from './signature';

/**
 * The webhook secrets, each with an id and a validity window (docs/DOMAIN.md#signatures).
 * The id is what the log keeps (`secretId` of sinch.webhooks.raw.v1); the secret itself is
 * never written to a topic or a log line.
 */
export interface WebhookSecret {
  /** Names the secret in records and output; never reveals it. */
  id: string;
  secret: string;
  /** Receipt times (epoch ms) the secret is accepted for: [validFrom, validUntil); null is open. */
  validFrom: number | null;
  validUntil: number | null;
}

/** Newest first, as configured. */
export type Keyring = readonly WebhookSecret[];

/**
 * The id of a secret given without one (SINCH_WEBHOOK_SECRETS): `fp-` and 12 hex digits of
 * SHA-256 over a fixed label and the secret. It cannot be turned back into the secret; like
 * any stored signature, it only lets someone who already holds a candidate secret confirm it.
 * Stable across restarts and reorderings, so a record's id still names its secret after a
 * rotation.
 */
export function secretFingerprint(secret: string): string {
  return `fp-${createHash('sha256').update('cpm.webhook-secret.id\0').update(secret, 'utf8').digest('hex').slice(0, 12)}`;
}

/** SINCH_WEBHOOK_SECRETS, newest first: fingerprint ids, no window. */
export function keyringFromSecrets(secrets: readonly string[]): Keyring {
  return secrets.map((secret) => ({
    id: secretFingerprint(secret),
    secret,
    validFrom: null,
    validUntil: null,
  }));
}

const time = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()], {
    error: 'must be an ISO-8601 time (2026-01-31T00:00:00Z) or date (2026-01-31)',
  })
  .transform((v) => Date.parse(v));

const keyringEntry = z
  .strictObject({
    id: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/,
        'id: 1 to 64 letters, digits, ".", "_", ":" or "-"',
      ),
    secret: z.string({ error: 'secret: a non-empty string' }).min(1, 'secret: a non-empty string'),
    validFrom: time.optional(),
    validUntil: time.optional(),
  })
  .transform((e): WebhookSecret => ({
    id: e.id,
    secret: e.secret,
    validFrom: e.validFrom ?? null,
    validUntil: e.validUntil ?? null,
  }));

/**
 * SINCH_WEBHOOK_KEYRING: a JSON array, newest first, of
 * `{"id": "...", "secret": "...", "validFrom"?: ISO time, "validUntil"?: ISO time}`.
 * Messages name the entry and the field, never a secret (a JSON syntax error is reported
 * without the parser's excerpt of the text, which could hold one).
 */
export const keyringSetting = z
  .string()
  .optional()
  .transform((text, ctx): unknown => {
    if (text === undefined || text.trim() === '') return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({
        code: 'custom',
        message:
          'not valid JSON: expected [{"id": "...", "secret": "...", "validFrom": "<ISO time>", "validUntil": "<ISO time>"}, ...]',
      });
      return z.NEVER;
    }
  })
  .pipe(
    z
      .array(keyringEntry, { error: 'a JSON array of {id, secret, validFrom?, validUntil?}' })
      .min(1, 'an empty keyring: give at least one secret')
      .superRefine((entries, ctx) => {
        const seen = new Set<string>();
        entries.forEach((e, i) => {
          if (seen.has(e.id))
            ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `id ${e.id} is used twice` });
          seen.add(e.id);
          if (e.id.includes(e.secret))
            ctx.addIssue({
              code: 'custom',
              path: [i, 'id'],
              message: 'must not contain the secret',
            });
          if (e.validFrom !== null && e.validUntil !== null && e.validFrom >= e.validUntil)
            ctx.addIssue({
              code: 'custom',
              path: [i, 'validUntil'],
              message: 'must be after validFrom',
            });
        });
      })
      .optional(),
  )
  .transform((keyring): Keyring | null => keyring ?? null);

/** The two ways to configure the secrets, as a service's config holds them (ingress, replay). */
export interface WebhookSecretConfig {
  SINCH_WEBHOOK_SECRETS: string[];
  SINCH_WEBHOOK_KEYRING: Keyring | null;
}

/** Adds an issue when both forms are set: one source of secrets, never a merge. */
export function refineWebhookSecrets(config: WebhookSecretConfig, ctx: z.RefinementCtx): void {
  if (config.SINCH_WEBHOOK_KEYRING && config.SINCH_WEBHOOK_SECRETS.length > 0)
    ctx.addIssue({
      code: 'custom',
      path: ['SINCH_WEBHOOK_KEYRING'],
      message:
        'set together with SINCH_WEBHOOK_SECRETS: choose one (the keyring can hold every secret, with its window)',
    });
}

/** The configured keyring, whichever form; empty when neither is set. */
export const keyringOf = (config: WebhookSecretConfig): Keyring =>
  config.SINCH_WEBHOOK_KEYRING ?? keyringFromSecrets(config.SINCH_WEBHOOK_SECRETS);

/** The secrets accepted for a webhook received at `atMs`, newest first. */
export function secretsValidAt(keyring: Keyring, atMs: number): WebhookSecret[] {
  return keyring.filter(
    (k) =>
      (k.validFrom === null || k.validFrom <= atMs) &&
      (k.validUntil === null || atMs < k.validUntil),
  );
}

export type KeyringVerification = VerificationResult & { secretId: string | null };

/**
 * Verifies a webhook with the secrets valid at its receipt time, or with the one secret a
 * stored record names (`secretId`: the one that verified it then, window or not; its entry
 * id or its fingerprint). An empty
 * keyring accepts unsigned (the insecure setting, refused by the ingress's config otherwise);
 * a keyring with no secret for that time refuses.
 */
export function verifyWithKeyring(
  rawBody: Buffer,
  headers: SignatureHeaders,
  options: {
    keyring: Keyring;
    receivedAtMs: number;
    secretId?: string | null;
    maxAgeSeconds?: number | null;
  },
): KeyringVerification {
  const { keyring, receivedAtMs, secretId } = options;
  // A stored id is the entry's id, or the fingerprint id SINCH_WEBHOOK_SECRETS gave the same
  // secret: records verified before a move to the keyring form still find their secret.
  const candidates = secretId
    ? keyring.filter((k) => k.id === secretId || secretFingerprint(k.secret) === secretId)
    : secretsValidAt(keyring, receivedAtMs);
  if (keyring.length > 0 && candidates.length === 0) {
    return {
      ok: false,
      reason: 'SIGNATURE_MISMATCH',
      message: secretId
        ? `secret ${secretId} is not in the keyring`
        : `no secret of the keyring is valid at ${new Date(receivedAtMs).toISOString()}`,
      ageSeconds: null,
      secretId: secretId ?? null,
    };
  }
  const result = verifySignature(rawBody, headers, {
    secrets: candidates.map((k) => k.secret),
    nowSeconds: Math.floor(receivedAtMs / 1000),
    maxAgeSeconds: options.maxAgeSeconds ?? null,
  });
  return {
    ...result,
    secretId: result.ok && result.status === 'VERIFIED' ? candidates[result.secretIndex]!.id : null,
  };
}
