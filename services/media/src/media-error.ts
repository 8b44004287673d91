import { AppError, type ErrorCode } from '@cpm/platform';

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

type DownloadErrorCode = Extract<ErrorCode, `CPM_ERR_MEDIA_${string}`>;

/** The code of each reason; every `HTTP_<status>` is CPM_ERR_MEDIA_HTTP. */
const CODE_OF: Record<Exclude<FailureReason, `HTTP_${number}`>, DownloadErrorCode> = {
  TOO_LARGE: 'CPM_ERR_MEDIA_TOO_LARGE',
  TYPE_NOT_ALLOWED: 'CPM_ERR_MEDIA_TYPE_NOT_ALLOWED',
  BLOCKED_ADDRESS: 'CPM_ERR_MEDIA_BLOCKED_ADDRESS',
  BLOCKED_SCHEME: 'CPM_ERR_MEDIA_BLOCKED_SCHEME',
  INVALID_URL: 'CPM_ERR_MEDIA_INVALID_URL',
  TOO_MANY_REDIRECTS: 'CPM_ERR_MEDIA_TOO_MANY_REDIRECTS',
  DNS_FAILED: 'CPM_ERR_MEDIA_DNS_FAILED',
  TIMEOUT: 'CPM_ERR_MEDIA_TIMEOUT',
  NETWORK_ERROR: 'CPM_ERR_MEDIA_NETWORK_ERROR',
};

/**
 * One download attempt failed. `retriable` decides alone whether the retrier tries again
 * (network errors, timeouts, 5xx); 4xx (an expired CDN link), size, type and address
 * refusals are final. The catalogue decides for every reason but HTTP and DNS failures,
 * whose code leaves it open: there `retriable` decides.
 */
export class DownloadError extends AppError<DownloadErrorCode> {
  constructor(
    readonly reason: FailureReason,
    message: string,
    retriable: boolean,
    cause?: unknown,
  ) {
    super(
      reason.startsWith('HTTP_') ? 'CPM_ERR_MEDIA_HTTP' : CODE_OF[reason as keyof typeof CODE_OF],
      message,
      { retriable, cause },
    );
  }
}

/** The internal store failed (disk full, permissions): the batch is retried, nothing is lost. */
export class BlobStoreError extends AppError<'CPM_ERR_MEDIA_STORE'> {
  constructor(message: string, cause?: unknown) {
    super('CPM_ERR_MEDIA_STORE', message, { cause });
  }
}
