import { Readable } from 'node:stream';
import type { Request, Response } from 'express';

const STORAGE_KEY = /^[A-Za-z0-9._-]{1,200}$/;

/**
 * GET /media/:key → the media service's agent endpoint with its bearer token, so a browser
 * shows internal media (<img src>) without holding the token. Only the status, type, length
 * and disposition headers are passed on.
 */
export function mediaProxy(mediaUrl: string, token: string) {
  const base = mediaUrl.replace(/\/$/, '');
  return async (req: Request, res: Response): Promise<void> => {
    const key = String(req.params.key);
    if (!STORAGE_KEY.test(key)) {
      res.status(404).json({ code: 'CPM_ERR_MEDIA_NOT_FOUND' });
      return;
    }
    try {
      const upstream = await fetch(`${base}/media/${encodeURIComponent(key)}`, {
        headers: { authorization: `Bearer ${token}`, ...(req.get('range') ? { range: req.get('range')! } : {}) },
      });
      res.status(upstream.status);
      for (const h of ['content-type', 'content-length', 'content-disposition', 'content-range', 'accept-ranges']) {
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
      res.status(502).json({ code: 'CPM_ERR_CONSOLE_MEDIA_UNAVAILABLE', message: (error as Error).message });
    }
  };
}
