import { Readable } from 'node:stream';
import type { Request, Response } from 'express';
import { AppError, sendError } from '@cpm/platform';

/**
 * POST /api/uploads (the file as the body, its name in `?fileName=`) → the media service's
 * POST /attachments with the agent token: the file is stored in the media store and published
 * under an expiring signed URL, which the answer carries (`{url, contentType, fileName,
 * sizeBytes, expiresAt}`) for a SEND_MEDIA command. The media service's refusals (too large,
 * type not allowed) are passed on as they are.
 */
export function uploadProxy(mediaUrl: string, token: string) {
  const base = mediaUrl.replace(/\/$/, '');
  return async (req: Request, res: Response): Promise<void> => {
    const fileName = typeof req.query.fileName === 'string' ? req.query.fileName : '';
    try {
      const upstream = await fetch(
        `${base}/attachments${fileName ? `?${new URLSearchParams({ fileName })}` : ''}`,
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': req.get('content-type') ?? 'application/octet-stream',
          },
          body: Readable.toWeb(req) as ReadableStream,
          duplex: 'half',
        } as RequestInit,
      );
      res
        .status(upstream.status)
        .type('json')
        .send(await upstream.text());
    } catch (error) {
      sendError(
        res,
        new AppError('CPM_ERR_CONSOLE_MEDIA_UNAVAILABLE', (error as Error).message, {
          cause: error,
        }),
      );
    }
  };
}
