/**
 * The domain's errors. Each has a stable `code` and says what should happen next, so the
 * service maps it without reading messages (docs/CONVENTIONS.md#errors-carry-a-code-and-a-decision). None is retriable: the
 * same input always fails the same way, so retrying cannot help; the record goes to the DLQ.
 */
export type DomainErrorCode = 'CPM_ERR_WEBHOOK_NOT_JSON' | 'CPM_ERR_WEBHOOK_NOT_OBJECT' | 'CPM_ERR_OUTBOUND_INVALID';

export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;
  readonly retriable = false;
  readonly action = 'DLQ' as const;
}

/** The raw webhook body is not a JSON object: nothing can be derived from it. */
export class UnparseableWebhookError extends DomainError {
  override readonly name = 'UnparseableWebhookError';
  constructor(
    readonly code: 'CPM_ERR_WEBHOOK_NOT_JSON' | 'CPM_ERR_WEBHOOK_NOT_OBJECT',
    message: string,
  ) {
    super(message);
  }
}

/** A sinch.outbound.v1 record that breaks its contract (an outcome we do not know). */
export class InvalidOutboundRecordError extends DomainError {
  override readonly name = 'InvalidOutboundRecordError';
  readonly code = 'CPM_ERR_OUTBOUND_INVALID' as const;
}
