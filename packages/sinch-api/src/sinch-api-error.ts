import { EmptyResponseError, GenericError, RequestFailedError } from '@sinch/conversation';
import { AppError } from '@cpm/errors';

/** Google-style status names the Conversation API uses in `error.status`, by HTTP status: the `reason` when the body has none. */
const STATUS_BY_HTTP: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  501: 'NOT_IMPLEMENTED',
  502: 'BAD_GATEWAY',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

type SinchErrorCode =
  | 'CPM_ERR_SINCH_REFUSED'
  | 'CPM_ERR_SINCH_UNAVAILABLE'
  | 'CPM_ERR_SINCH_BAD_RESPONSE'
  | 'CPM_ERR_SINCH_UNEXPECTED';

/**
 * The one error this package throws, and the one place the SDK's errors are mapped. `code`
 * says what happened and whether a retry can help: CPM_ERR_SINCH_UNAVAILABLE (5xx, 429,
 * network failures and timeouts) is retriable; CPM_ERR_SINCH_REFUSED (any other 4xx) and
 * the rest are not. `reason` is the API's own word for it, kept on the outbound record:
 * its status name (`INVALID_ARGUMENT`, `RESOURCE_EXHAUSTED`, ...), `HTTP_<status>` when
 * it gives none, `NETWORK_ERROR`, `MALFORMED_RESPONSE` or `UNEXPECTED`. `apiHttpStatus` is
 * the status the API answered (null when it did not answer).
 *
 * `outcomeUnknown`: no answer came, and the request may have reached Sinch (a timeout, a
 * connection lost or reset once open). Sinch may have carried it out; a retry of a send
 * can then deliver the message twice. False when the API answered, or when the connection
 * could not be opened (refused, unknown host, unreachable): the request never left.
 */
export class SinchApiError extends AppError<SinchErrorCode> {
  constructor(
    code: SinchErrorCode,
    readonly reason: string,
    readonly apiHttpStatus: number | null,
    message: string,
    cause?: unknown,
    readonly outcomeUnknown = false,
  ) {
    super(code, message, { cause });
  }

  static fromHttp(operation: string, httpStatus: number, body: unknown): SinchApiError {
    const apiError = errorBody(body);
    const reason = apiError.status ?? STATUS_BY_HTTP[httpStatus] ?? `HTTP_${httpStatus}`;
    const code =
      httpStatus >= 500 || httpStatus === 429
        ? 'CPM_ERR_SINCH_UNAVAILABLE'
        : 'CPM_ERR_SINCH_REFUSED';
    const detail = apiError.message ? `: ${apiError.message}` : '';
    return new SinchApiError(
      code,
      reason,
      httpStatus,
      `${operation} failed with HTTP ${httpStatus} ${reason}${detail}`,
    );
  }

  /** Maps whatever the SDK threw (or a network failure) to a SinchApiError. */
  static from(operation: string, error: unknown): SinchApiError {
    if (error instanceof SinchApiError) return error;
    if (error instanceof RequestFailedError)
      return SinchApiError.fromHttp(operation, error.statusCode, error.data);
    const reason = error instanceof Error ? error.message : String(error);
    if (
      error instanceof EmptyResponseError ||
      error instanceof GenericError ||
      isNetworkError(error)
    ) {
      return new SinchApiError(
        'CPM_ERR_SINCH_UNAVAILABLE',
        'NETWORK_ERROR',
        null,
        `${operation} failed: ${reason}`,
        error,
        !NOT_CONNECTED.test(reason),
      );
    }
    return new SinchApiError(
      'CPM_ERR_SINCH_UNEXPECTED',
      'UNEXPECTED',
      null,
      `${operation} failed: ${reason}`,
      error,
    );
  }

  /** A 200 answer without what the call needs. */
  static malformed(operation: string, missing: string): SinchApiError {
    return new SinchApiError(
      'CPM_ERR_SINCH_BAD_RESPONSE',
      'MALFORMED_RESPONSE',
      200,
      `${operation}: response has no ${missing}`,
    );
  }
}

/** The API's `{ error: { status, message } }`; the SDK hands it over as a JSON string. */
function errorBody(data: unknown): { status?: string; message?: string } {
  const body = typeof data === 'string' ? parseJson(data) : data;
  const error =
    body !== null && typeof body === 'object' ? (body as { error?: unknown }).error : undefined;
  if (error === null || typeof error !== 'object') return {};
  const { status, message } = error as { status?: unknown; message?: unknown };
  return {
    status: typeof status === 'string' && status !== '' ? status : undefined,
    message: typeof message === 'string' ? message : undefined,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Failures to open the connection (the SDK keeps only the message of node's error): the
 * request was not written. Anything else without an answer (an abort on timeout, a socket
 * hang up or reset) may have come after it was.
 */
const NOT_CONNECTED = /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)\b/;

function isNetworkError(error: unknown): boolean {
  const name = error instanceof Error ? error.name : '';
  return name === 'FetchError' || name === 'AbortError' || name === 'TimeoutError';
}
