import { EmptyResponseError, GenericError, RequestFailedError } from '@sinch/conversation';

/** Google-style status names the Conversation API uses in `error.status`, by HTTP status. */
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

/**
 * The one error this package throws. `code` is the API's status name (`INVALID_ARGUMENT`,
 * `RESOURCE_EXHAUSTED`, ...) or `NETWORK_ERROR`; `retriable` is the whole decision:
 * 5xx, 429 and network failures (timeouts included) are, other 4xx are not.
 */
export class SinchApiError extends Error {
  override readonly name = 'SinchApiError';

  constructor(
    readonly code: string,
    readonly httpStatus: number | null,
    readonly retriable: boolean,
    message: string,
    readonly operation: string,
  ) {
    super(message);
  }

  static fromHttp(operation: string, httpStatus: number, body: unknown): SinchApiError {
    const apiError = errorBody(body);
    const code = apiError.status ?? STATUS_BY_HTTP[httpStatus] ?? `HTTP_${httpStatus}`;
    const retriable = httpStatus >= 500 || httpStatus === 429;
    const detail = apiError.message ? `: ${apiError.message}` : '';
    return new SinchApiError(code, httpStatus, retriable, `${operation} failed with HTTP ${httpStatus} ${code}${detail}`, operation);
  }

  /** Maps whatever the SDK threw (or a network failure) to a SinchApiError. */
  static from(operation: string, error: unknown): SinchApiError {
    if (error instanceof SinchApiError) return error;
    if (error instanceof RequestFailedError) return SinchApiError.fromHttp(operation, error.statusCode, error.data);
    const reason = error instanceof Error ? error.message : String(error);
    if (error instanceof EmptyResponseError || error instanceof GenericError || isNetworkError(error)) {
      return new SinchApiError('NETWORK_ERROR', null, true, `${operation} failed: ${reason}`, operation);
    }
    return new SinchApiError('UNEXPECTED', null, false, `${operation} failed: ${reason}`, operation);
  }
}

/** The API's `{ error: { status, message } }`; the SDK hands it over as a JSON string. */
function errorBody(data: unknown): { status?: string; message?: string } {
  const body = typeof data === 'string' ? parseJson(data) : data;
  const error = body !== null && typeof body === 'object' ? (body as { error?: unknown }).error : undefined;
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

function isNetworkError(error: unknown): boolean {
  const name = error instanceof Error ? error.name : '';
  return name === 'FetchError' || name === 'AbortError' || name === 'TimeoutError';
}
