import type { Response } from 'express';

const STATUS_NAMES: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** The Conversation API's error body: `{ error: { code, message, status, details } }`. */
export function apiErrorBody(
  httpStatus: number,
  message: string,
): { error: Record<string, unknown> } {
  return {
    error: {
      code: httpStatus,
      message,
      status: STATUS_NAMES[httpStatus] ?? 'UNKNOWN',
      details: [],
    },
  };
}

export function sendApiError(res: Response, httpStatus: number, message: string): void {
  res.status(httpStatus).json(apiErrorBody(httpStatus, message));
}
