import { AppError, type ErrorCode } from '@cpm/platform';
import type { VerificationFailure } from '@cpm/sinch-webhooks';

/** What the ingress answers to bad input: a code of the catalogue, its HTTP status, never a 500. */
export class WebhookRejectedError extends AppError {
  constructor(
    code: ErrorCode,
    message: string,
    /** Kept on sinch.webhooks.rejected.v1: signed-but-broken or unsigned requests. */
    readonly quarantine: boolean,
  ) {
    super(code, message);
  }
}

/** The code of each reason the signature check gives (packages/sinch-webhooks). */
const SIGNATURE_CODES: Record<VerificationFailure, ErrorCode & `CPM_ERR_SIGNATURE_${string}`> = {
  MISSING_SIGNATURE_HEADERS: 'CPM_ERR_SIGNATURE_MISSING',
  UNSUPPORTED_ALGORITHM: 'CPM_ERR_SIGNATURE_ALGORITHM',
  MALFORMED_TIMESTAMP: 'CPM_ERR_SIGNATURE_TIMESTAMP',
  SIGNATURE_MISMATCH: 'CPM_ERR_SIGNATURE_MISMATCH',
  TIMESTAMP_OUTSIDE_WINDOW: 'CPM_ERR_SIGNATURE_OUTSIDE_WINDOW',
};

export const rejections = {
  unsupportedMediaType: (contentType: string | undefined) =>
    new WebhookRejectedError(
      'CPM_ERR_UNSUPPORTED_MEDIA_TYPE',
      `content-type must be application/json, got ${contentType ?? 'none'}`,
      false,
    ),
  tooLarge: (limit: number) =>
    new WebhookRejectedError(
      'CPM_ERR_PAYLOAD_TOO_LARGE',
      `body is larger than ${limit} bytes`,
      false,
    ),
  signature: (reason: VerificationFailure, message: string) =>
    new WebhookRejectedError(SIGNATURE_CODES[reason], message, true),
  notJson: (detail: string) =>
    new WebhookRejectedError(
      'CPM_ERR_WEBHOOK_NOT_JSON',
      `body is not a JSON object: ${detail}`,
      true,
    ),
  notObject: (topLevel: string) =>
    new WebhookRejectedError(
      'CPM_ERR_WEBHOOK_NOT_OBJECT',
      `body is not a JSON object: top level is ${topLevel}`,
      true,
    ),
};
