import { ERROR_CATALOGUE, type ErrorCode, type ErrorCodeWithChoice } from './catalogue';

/** What happens to the work that failed: tried again, or (a record) sent to the DLQ, (a request) refused. */
export type ErrorDecision = 'RETRY' | 'DLQ';

/** `retriable` is given exactly for the codes whose catalogue entry says it depends. */
export type AppErrorOptions<C extends ErrorCode> = C extends ErrorCodeWithChoice
  ? { retriable: boolean; cause?: unknown }
  : { cause?: unknown };

/**
 * The one root of our errors. Its `code` is a key of ERROR_CATALOGUE, which decides
 * whether it is retriable and the HTTP status it is answered with; `cause` keeps the
 * error it was made from (a library's, a network failure). Library errors are mapped to it
 * in one place per boundary: SchemaCodec.decode (the registry client), IdempotentProducer
 * (kafkajs sends), `isRetriable` below (kafkajs and Node errors inside consumers),
 * retryTransient (pg), SinchApiError.from (the Sinch SDK), `httpAnswer` in
 * @cpm/platform (express).
 */
export class AppError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  readonly retriable: boolean;

  constructor(
    code: C,
    message: string,
    ...[options]: C extends ErrorCodeWithChoice ? [AppErrorOptions<C>] : [AppErrorOptions<C>?]
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    const entry = ERROR_CATALOGUE[code];
    this.retriable =
      entry.retriable === 'depends'
        ? ((options as { retriable?: boolean } | undefined)?.retriable ?? false)
        : entry.retriable;
  }

  /** The status an HTTP endpoint answers this error with. */
  get httpStatus(): number {
    return ERROR_CATALOGUE[this.code].httpStatus;
  }

  get decision(): ErrorDecision {
    return this.retriable ? 'RETRY' : 'DLQ';
  }
}

/** The code of any error: its own if it is ours, CPM_ERR_UNEXPECTED otherwise. */
export function errorCode(error: unknown): ErrorCode {
  return error instanceof AppError ? error.code : 'CPM_ERR_UNEXPECTED';
}

/**
 * Whether trying again can help. Ours say so themselves; kafkajs marks its errors
 * `retriable`; Node's network errors carry an errno code. Anything else is not.
 */
export function isRetriable(error: unknown): boolean {
  if (error instanceof AppError) return error.retriable;
  const candidate = error as { retriable?: boolean; code?: string } | null;
  if (candidate && typeof candidate.retriable === 'boolean') return candidate.retriable;
  return Boolean(
    candidate?.code &&
    /^E(CONNREFUSED|CONNRESET|TIMEDOUT|PIPE|AI_AGAIN|HOSTUNREACH)$/.test(candidate.code),
  );
}
