import { AppError } from '@cpm/platform';

/** What the ingress answers to bad input: a stable code, the HTTP status, never a 500. */
export class WebhookRejectedError extends AppError {
  constructor(
    code: string,
    message: string,
    httpStatus: number,
    /** Kept on sinch.webhooks.rejected.v1: signed-but-broken or unsigned requests. */
    readonly quarantine: boolean,
  ) {
    super(code, message, { retriable: false, httpStatus });
  }
}

export const rejections = {
  unsupportedMediaType: (contentType: string | undefined) =>
    new WebhookRejectedError('UNSUPPORTED_MEDIA_TYPE', `content-type must be application/json, got ${contentType ?? 'none'}`, 415, false),
  tooLarge: (limit: number) => new WebhookRejectedError('PAYLOAD_TOO_LARGE', `body is larger than ${limit} bytes`, 413, false),
  signature: (code: string, message: string) => new WebhookRejectedError(code, message, 401, true),
  invalidJson: (detail: string) => new WebhookRejectedError('INVALID_JSON', `body is not a JSON object: ${detail}`, 400, true),
};
