import type { RawWebhookRecord } from '@cpm/contracts';
import {
  customerKey,
  customerRefOf,
  detectTrigger,
  verifyWithKeyring,
  type Keyring,
  type SignatureHeaders,
  type VerificationResult,
} from '@cpm/sinch-webhooks';
import { rejections } from './errors';

/** DISPATCH mode: the callback names a customer but has no contact or conversation id. */
function processingModeOf(
  body: Record<string, unknown>,
  key: string | null,
  ref: { contactId: string; conversationId: string; identity: string },
): string | null {
  const inner = key ? (body[key] as Record<string, unknown>) : undefined;
  const declared = typeof inner?.processing_mode === 'string' ? inner.processing_mode : null;
  if (declared) return declared;
  if (ref.identity && !ref.contactId && !ref.conversationId) return 'DISPATCH';
  return null;
}

export function buildRawRecord(input: {
  requestId: string;
  body: Buffer;
  parsed: Record<string, unknown>;
  contentType: string | undefined;
  headers: SignatureHeaders;
  verification: Extract<VerificationResult, { ok: true }> & { secretId?: string | null };
  receivedAt: number;
  instance: string;
  admittedFrom?: RawWebhookRecord['admittedFrom'];
}): RawWebhookRecord {
  const { trigger, key } = detectTrigger(input.parsed);
  const ref = customerRefOf(input.parsed);
  const { key: recordKey, source } = customerKey(ref);
  return {
    requestId: input.requestId,
    body: input.body,
    contentType: input.contentType ?? null,
    signature: input.headers.signature ?? null,
    signatureNonce: input.headers.nonce ?? null,
    signatureTimestamp: input.headers.timestamp ?? null,
    signatureAlgorithm: input.headers.algorithm ?? null,
    verification: input.verification.status,
    secretIndex: input.verification.secretIndex,
    secretId: input.verification.secretId ?? null,
    signatureAgeSeconds: input.verification.ageSeconds,
    receivedAt: input.receivedAt,
    ingressInstance: input.instance,
    trigger,
    appId: ref.appId,
    customerKey: recordKey,
    keySource: source,
    processingMode: processingModeOf(input.parsed, key, ref),
    admittedFrom: input.admittedFrom ?? null,
  };
}

/**
 * The ingress's admission rule, for a request as received: the signature verified with the
 * secrets valid at its receipt time, then a JSON object body. Returns the raw record to
 * store, or throws the WebhookRejectedError to answer (and quarantine). Used by the webhook
 * route and, on quarantined requests, by `replay readmit`, so both admit alike.
 */
export function admitWebhook(input: {
  requestId: string;
  body: Buffer;
  contentType: string | undefined;
  headers: SignatureHeaders;
  keyring: Keyring;
  maxAgeSeconds: number | null;
  receivedAt: number;
  instance: string;
  admittedFrom?: RawWebhookRecord['admittedFrom'];
}): RawWebhookRecord {
  const verification = verifyWithKeyring(input.body, input.headers, {
    keyring: input.keyring,
    receivedAtMs: input.receivedAt,
    maxAgeSeconds: input.maxAgeSeconds,
  });
  if (!verification.ok) throw rejections.signature(verification.reason, verification.message);

  let parsed: unknown;
  try {
    parsed = JSON.parse(input.body.toString('utf8'));
  } catch (error) {
    throw rejections.notJson((error as Error).message);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw rejections.notObject(
      parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : typeof parsed,
    );
  return buildRawRecord({ ...input, parsed: parsed as Record<string, unknown>, verification });
}
