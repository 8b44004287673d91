import { AppError } from '@cpm/platform';

/**
 * Why a customer attachment could not be stored: the `reason` of a FAILED record on
 * conversation.media.v1. `HTTP_<status>` for an answer other than 2xx (HTTP_404, HTTP_503, ...).
 */
export type FailureReason =
  | `HTTP_${number}`
  | 'TOO_LARGE'
  | 'TYPE_NOT_ALLOWED'
  | 'BLOCKED_ADDRESS'
  | 'BLOCKED_SCHEME'
  | 'INVALID_URL'
  | 'TOO_MANY_REDIRECTS'
  | 'DNS_FAILED'
  | 'TIMEOUT'
  | 'NETWORK_ERROR';

/**
 * One download attempt failed. `retriable` decides alone whether the retrier tries again
 * (network errors, timeouts, 5xx); 4xx (an expired CDN link), size, type and address
 * refusals are final.
 */
export class DownloadError extends AppError {
  constructor(
    readonly reason: FailureReason,
    message: string,
    retriable: boolean,
    cause?: unknown,
  ) {
    super(`CPM_ERR_MEDIA_${reason}`, message, { retriable, cause });
  }
}

/** The internal store failed (disk full, permissions): the batch is retried, nothing is lost. */
export class BlobStoreError extends AppError {
  constructor(message: string, cause?: unknown) {
    super('CPM_ERR_MEDIA_STORE', message, { retriable: true, httpStatus: 503, cause });
  }
}
