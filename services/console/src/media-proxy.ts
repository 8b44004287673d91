import { Readable } from 'node:stream';
import type { Request, Response } from 'express';
import { AppError, sendError } from '@cpm/platform';

const STORAGE_KEY = /^[A-Za-z0-9._-]{1,200}$/;

/**
 * GET /media/:key → the media service's agent endpoint with its bearer token, so a browser
 * shows internal media (<img src>) without holding the token; GET /public/:id?exp&sig → an
 * agent's uploaded file at its signed public URL, from the console's own origin (the page's
 * Content-Security-Policy loads images from there). Only the status, type, length
 * and disposition headers are passed on.
 */
export function mediaProxy(mediaUrl: string, token: string, kind: 'media' | 'public' = 'media') {
  const base = mediaUrl.replace(/\/$/, '');
  return async (req: Request, res: Response): Promise<void> => {
    const key = String(req.params.key);
    if (!STORAGE_KEY.test(key)) {
      sendError(
        res,
        new AppError('CPM_ERR_MEDIA_NOT_FOUND', `not a storage key: ${key.slice(0, 200)}`),
      );
      return;
    }
    // An agent's own upload (/public/:id) is signed by its URL, not by the agent token.
    const target =
      kind === 'media'
        ? `${base}/media/${encodeURIComponent(key)}`
        : `${base}/public/${encodeURIComponent(key)}?${new URLSearchParams({
            exp: String(req.query.exp ?? ''),
            sig: String(req.query.sig ?? ''),
          })}`;
    try {
      const upstream = await fetch(target, {
        headers: {
          ...(kind === 'media' && { authorization: `Bearer ${token}` }),
          ...(req.get('range') ? { range: req.get('range')! } : {}),
        },
      });
      res.status(upstream.status);
      for (const h of [
        'content-type',
        'content-length',
        'content-disposition',
        'content-range',
        'accept-ranges',
      ]) {
        const v = upstream.headers.get(h);
        if (v) res.set(h, v);
      }
      res.set('Cache-Control', 'private, max-age=300');
      if (!upstream.body) {
        res.end();
        return;
      }
      Readable.fromWeb(upstream.body as import('node:stream/web').ReadableStream).pipe(res);
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
