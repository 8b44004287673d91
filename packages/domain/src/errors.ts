import { AppError } from '@cpm/errors';

/**
 * The domain's errors: codes of the one catalogue (@cpm/errors), so the service maps them
 * without reading messages (docs/CONVENTIONS.md#errors-carry-a-code-and-a-decision). None is retriable: the same input always
 * fails the same way, so retrying cannot help; the record goes to the DLQ.
 */
export type DomainErrorCode =
  'CPM_ERR_WEBHOOK_NOT_JSON' | 'CPM_ERR_WEBHOOK_NOT_OBJECT' | 'CPM_ERR_OUTBOUND_INVALID';

export abstract class DomainError<
  C extends DomainErrorCode = DomainErrorCode,
> extends AppError<C> {}

/** The raw webhook body is not a JSON object: nothing can be derived from it. */
export class UnparseableWebhookError extends DomainError<
  'CPM_ERR_WEBHOOK_NOT_JSON' | 'CPM_ERR_WEBHOOK_NOT_OBJECT'
> {}

/** A sinch.outbound.v1 record that breaks its contract (an outcome we do not know). */
export class InvalidOutboundRecordError extends DomainError<'CPM_ERR_OUTBOUND_INVALID'> {
  constructor(message: string) {
    super('CPM_ERR_OUTBOUND_INVALID', message);
  }
}
