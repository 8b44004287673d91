import type { Request, Response } from 'express';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** `inline; filename="..."; filename*=UTF-8''...` with an ASCII fallback (RFC 6266). */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `inline; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

/**
 * Answers with a stored file: 200, or 206 for one satisfiable byte range, 416 for an
 * unsatisfiable one (several ranges are answered with the whole file).
 */
export async function serveFile(
  req: Request,
  res: Response,
  file: {
    size: number;
    contentType: string;
    fileName: string;
    read: (range?: { start: number; end: number }) => Readable;
  },
): Promise<void> {
  res.set({
    'Content-Type': file.contentType,
    'Content-Disposition': contentDisposition(file.fileName),
    'Accept-Ranges': 'bytes',
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'private, max-age=300',
  });
  const ranges = req.range(file.size, { combine: true });
  if (ranges === -1) {
    res.status(416).set('Content-Range', `bytes */${file.size}`).end();
    return;
  }
  let range: { start: number; end: number } | undefined;
  if (Array.isArray(ranges) && ranges.type === 'bytes' && ranges.length === 1) {
    range = { start: ranges[0]!.start, end: ranges[0]!.end };
    res.status(206).set('Content-Range', `bytes ${range.start}-${range.end}/${file.size}`);
  }
  res.set('Content-Length', String(range ? range.end - range.start + 1 : file.size));
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await pipeline(file.read(range), res);
}
