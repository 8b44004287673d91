import { hash } from 'node:crypto';

/**
 * A deterministic event id: sha256 hex of the parts that identify the fact in Sinch's
 * terms (trigger, Sinch ids, status), joined by a separator that cannot occur in them
 * ambiguously (each part is JSON-quoted). Never the Kafka offset, the nonce or a clock,
 * so a retried or replayed callback, or one delivered to two webhooks, gets the same id.
 */
export function eventIdOf(parts: readonly string[]): string {
  // The one-shot hash: the same digest as createHash().update().digest() without a Hash
  // object per call (every record gets at least one id: bench/RESULTS.md "Profiles").
  return hash('sha256', JSON.stringify(parts), 'hex');
}

/**
 * The id of a customer attachment: the same source event and index always name the same
 * one, so the media service's file and the agent view's ATTACHMENT_* events agree.
 */
export const attachmentIdOf = (sourceEventId: string, index: number): string =>
  eventIdOf(['ATTACHMENT', sourceEventId, String(index)]);
