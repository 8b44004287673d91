import type { Response } from 'express';
import { AppError, type ErrorCode } from '@cpm/errors';

/** The root error, its catalogue and classifiers live in @cpm/errors (imported by the pure domain too); re-exported here for the services. */
export * from '@cpm/errors';

/** What an HTTP endpoint answers for an error. */
export interface HttpAnswer {
  status: number;
  body: { code: ErrorCode; message: string };
}

/**
 * The one mapping from an error to an HTTP answer, `{code, message}` with the status of the
 * code. Express's body parser errors are mapped here: 413 is CPM_ERR_PAYLOAD_TOO_LARGE, 415
 * CPM_ERR_UNSUPPORTED_MEDIA_TYPE, any other refusal (unreadable, aborted) CPM_ERR_BAD_REQUEST.
 * Anything else is CPM_ERR_UNEXPECTED (500).
 */
export function httpAnswer(error: unknown): HttpAnswer {
  const known = error instanceof AppError ? error : fromBodyParser(error);
  if (known)
    return { status: known.httpStatus, body: { code: known.code, message: known.message } };
  return {
    status: 500,
    body: {
      code: 'CPM_ERR_UNEXPECTED',
      message: error instanceof Error ? error.message : String(error),
    },
  };
}

function fromBodyParser(error: unknown): AppError | null {
  // body-parser's errors (http-errors) carry their status, `expose` and mostly a `type`.
  const parser = error as {
    type?: unknown;
    expose?: unknown;
    status?: unknown;
    message?: unknown;
  } | null;
  if (typeof parser?.status !== 'number' || parser.status < 400 || parser.status >= 500)
    return null;
  if (typeof parser.type !== 'string' && parser.expose !== true) return null;
  const code =
    parser.status === 413
      ? 'CPM_ERR_PAYLOAD_TOO_LARGE'
      : parser.status === 415
        ? 'CPM_ERR_UNSUPPORTED_MEDIA_TYPE'
        : 'CPM_ERR_BAD_REQUEST';
  return new AppError(code, String(parser.message), { cause: error });
}

/** Answers `error` on `res`: its status and `{code, message}`, with `extra` fields (a request id). */
export function sendError(
  res: Response,
  error: unknown,
  extra: Record<string, unknown> = {},
): void {
  const { status, body } = httpAnswer(error);
  res.status(status).json({ ...body, ...extra });
}
