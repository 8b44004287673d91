/**
 * One base class for our errors (docs/CONVENTIONS.md#errors-carry-a-code-and-a-decision): a stable code, whether retrying can
 * help, and what happens next. The mapping from error to action lives in one place per
 * boundary: `httpAnswerFor` at the HTTP edge, the consumer runner's DLQ decision inside.
 */
export type ErrorDecision = 'RETRY' | 'DLQ' | 'REJECT';

export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly options: { retriable: boolean; httpStatus?: number; cause?: unknown } = { retriable: false },
  ) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
  }

  get retriable(): boolean {
    return this.options.retriable;
  }

  get httpStatus(): number {
    return this.options.httpStatus ?? (this.retriable ? 503 : 400);
  }

  /** Retriable errors are retried; anything else that fails a record goes to the DLQ. */
  get decision(): ErrorDecision {
    return this.retriable ? 'RETRY' : 'DLQ';
  }
}

export function errorCode(error: unknown): string {
  return error instanceof AppError ? error.code : 'CPM_ERR_UNEXPECTED';
}

export function isRetriable(error: unknown): boolean {
  if (error instanceof AppError) return error.retriable;
  // kafkajs marks its own errors; network errors from Node have an errno code.
  const candidate = error as { retriable?: boolean; code?: string } | null;
  if (candidate && typeof candidate.retriable === 'boolean') return candidate.retriable;
  return Boolean(candidate?.code && /^E(CONNREFUSED|CONNRESET|TIMEDOUT|PIPE|AI_AGAIN|HOSTUNREACH)$/.test(candidate.code));
}
