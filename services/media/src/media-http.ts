import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { AppError, httpAnswer, sendError, type Logger } from '@cpm/platform';
import { STORAGE_KEY, type BlobStore } from './blob-store';
import { extensionOf } from './content-sniffer';
import type { PublicAttachments } from './public-attachments';
import { serveFile } from './serve-file';
import type { UrlSigner } from './url-signer';

export interface MediaHttpOptions {
  store: BlobStore;
  publicFiles: PublicAttachments;
  signer: UrlSigner;
  agentToken: string;
  publicBaseUrl: () => string;
  now: () => number;
  logger: Logger;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** A name safe for a header: no path, no control characters. */
const safeName = (name: unknown): string | null =>
  typeof name === 'string' && name.trim()
    ? name.replace(/[\\/\0-\x1f\x7f]/g, '_').slice(0, 200)
    : null;

/**
 * Agents: GET /media/:storageKey (bearer token, Range), POST /attachments (bearer token) →
 * a signed public URL. Channels: GET /public/:id?exp&sig until the expiry, 410 after.
 */
export function mediaRoutes(o: MediaHttpOptions): Router {
  const router = express.Router();
  const expected = digest(o.agentToken);
  const agentsOnly = (req: Request, res: Response, next: NextFunction) => {
    const token = /^Bearer (.+)$/i.exec(req.get('authorization') ?? '')?.[1] ?? '';
    if (!timingSafeEqual(digest(token), expected)) {
      sendError(
        res.set('WWW-Authenticate', 'Bearer'),
        new AppError('CPM_ERR_UNAUTHORIZED', 'a bearer token with the agent token is required'),
      );
      return;
    }
    next();
  };

  router.get('/media/:storageKey', agentsOnly, async (req, res) => {
    const key = String(req.params.storageKey);
    const blob = STORAGE_KEY.test(key) ? await o.store.stat(key) : null;
    if (!blob) {
      sendError(res, new AppError('CPM_ERR_MEDIA_NOT_FOUND', `no stored file ${key}`));
      return;
    }
    const fileName =
      safeName(req.query.name) ?? `${key.slice(0, 16)}.${extensionOf(blob.contentType)}`;
    await serveFile(req, res, {
      size: blob.size,
      contentType: blob.contentType,
      fileName,
      read: (range) => o.store.read(key, range),
    });
  });

  router.post('/attachments', agentsOnly, async (req, res) => {
    const fileName = safeName(req.query.fileName) ?? safeName(req.get('x-file-name'));
    const saved = await o.publicFiles.save(req, fileName, o.now());
    const sig = o.signer.sign(saved.id, saved.expiresAtMs);
    const url = `${o.publicBaseUrl()}/public/${saved.id}?exp=${saved.expiresAtMs}&sig=${sig}`;
    o.logger.info(
      { id: saved.id, size: saved.size, contentType: saved.contentType },
      'public attachment published',
    );
    res.status(201).json({
      url,
      id: saved.id,
      contentType: saved.contentType,
      sizeBytes: saved.size,
      fileName,
      expiresAt: new Date(saved.expiresAtMs).toISOString(),
    });
  });

  router.get('/public/:id', async (req, res) => {
    const id = String(req.params.id);
    const check = o.signer.check(
      id,
      String(req.query.exp ?? ''),
      String(req.query.sig ?? ''),
      o.now(),
    );
    if (check === 'BAD_SIGNATURE') {
      sendError(res, new AppError('CPM_ERR_MEDIA_NOT_FOUND', `no public file ${id}`));
      return;
    }
    const meta = check === 'VALID' ? await o.publicFiles.get(id) : null;
    if (!meta || meta.expiresAtMs <= o.now()) {
      sendError(res, new AppError('CPM_ERR_MEDIA_EXPIRED', `the link to ${id} has expired`));
      return;
    }
    const fileName = meta.fileName ?? `${id.slice(0, 12)}.${extensionOf(meta.contentType)}`;
    await serveFile(req, res, {
      size: meta.size,
      contentType: meta.contentType,
      fileName,
      read: (range) => o.store.readAttachment(id, range),
    });
  });

  router.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const { status, body } = httpAnswer(error);
    if (status >= 500)
      o.logger.error({ code: body.code, err: body.message }, 'media request failed');
    sendError(res, error);
  });
  return router;
}
