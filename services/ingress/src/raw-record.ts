import type { RawWebhookRecord } from '@cpm/contracts';
import {
  customerKey,
  customerRefOf,
  detectTrigger,
  type SignatureHeaders,
  type VerificationResult,
} from '@cpm/sinch-webhooks';

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
  verification: Extract<VerificationResult, { ok: true }>;
  receivedAt: number;
  instance: string;
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
    signatureAgeSeconds: input.verification.ageSeconds,
    receivedAt: input.receivedAt,
    ingressInstance: input.instance,
    trigger,
    appId: ref.appId,
    customerKey: recordKey,
    keySource: source,
    processingMode: processingModeOf(input.parsed, key, ref),
  };
}
