import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { signWebhook } from '@cpm/sinch-webhooks';
import { CORPUS_SECRETS, type CorpusRequest } from './ingress-cases';

export interface CaseAnswer {
  status: number | 'none';
  json: Record<string, unknown>;
  bodyBytes: Buffer;
}

/** The exact header lines of a corpus request (duplicates kept as arrays). */
export function headersOf(req: CorpusRequest, body: Buffer): Record<string, string | string[]> {
  const now = Math.floor(Date.now() / 1000);
  const nonce = randomUUID();
  const secret =
    req.signing === 'rotated'
      ? CORPUS_SECRETS[1]
      : req.signing === 'wrong'
        ? 'not-the-secret'
        : CORPUS_SECRETS[0];
  const signedBody = req.signedBody ?? body;
  const timestampOverride = Object.values(req.headers ?? {}).find(
    (v): v is string => typeof v === 'string' && v.startsWith('='),
  );
  const signed = signWebhook(
    signedBody,
    secret,
    nonce,
    timestampOverride ? timestampOverride.slice(1) : now,
  );
  const headers: Record<string, string | string[]> = {};
  if (req.contentType !== null) headers['content-type'] = req.contentType ?? 'application/json';
  if (req.signing !== 'none') Object.assign(headers, signed);
  if (req.signing === 'duplicated')
    for (const [name, value] of Object.entries(signed)) headers[name] = [value, value];
  for (const [name, value] of Object.entries(req.headers ?? {})) {
    const valid = signed[name as keyof typeof signed] ?? '';
    if (value === null) delete headers[name];
    else if (Array.isArray(value)) headers[name] = value.map((v) => (v === '<valid>' ? valid : v));
    else headers[name] = value.startsWith('=') ? valid : value === '<valid>' ? valid : value;
  }
  return headers;
}

/**
 * Sends one corpus request with node:http (exact header lines, chunked trickling, cut
 * bodies) and resolves with the answer, or status 'none' when the client gave up.
 */
export function sendCase(
  baseUrl: string,
  webhookPath: string,
  req: CorpusRequest,
  timeoutMs = 30_000,
): Promise<CaseAnswer> {
  const body = typeof req.body === 'function' ? req.body() : req.body;
  const url = new URL(req.path ?? webhookPath, baseUrl);
  const headers = headersOf(req, body);
  if (!('content-length' in headers)) headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
    let settled = false;
    const done = (answer: CaseAnswer): void => {
      settled = true;
      clearTimeout(timer);
      resolve(answer);
    };
    const r = request(url, { method: req.method ?? 'POST', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(bytes.toString()) as Record<string, unknown>;
        } catch {
          json = { text: bytes.toString() };
        }
        done({ status: res.statusCode ?? 0, json, bodyBytes: bytes });
      });
    });
    r.on('error', (error: NodeJS.ErrnoException) => {
      // A server that answers early (413) may reset the rest of an upload: that is an answer too.
      if (req.cut !== undefined || error.code === 'ECONNRESET' || error.code === 'EPIPE')
        done({ status: 'none', json: { error: error.code }, bodyBytes: Buffer.alloc(0) });
      else {
        clearTimeout(timer);
        reject(error);
      }
    });
    void (async () => {
      r.flushHeaders();
      const limit = req.cut ? Math.min(req.cut.afterBytes, body.length) : body.length;
      const chunks = req.slow?.chunks ?? 1;
      const size = Math.max(1, Math.ceil(limit / chunks));
      for (let at = 0; at < limit; at += size) {
        if (r.destroyed) return;
        r.write(body.subarray(at, Math.min(limit, at + size)));
        if (req.slow) await new Promise((w) => setTimeout(w, req.slow!.delayMs));
      }
      // Hold until the time is up or an answer came.
      for (
        const until = Date.now() + (req.cut?.holdMs ?? 3000);
        req.cut?.then === 'hold' && !settled && Date.now() < until;
      )
        await new Promise((w) => setTimeout(w, 100));
      if (req.cut?.then === 'destroy' || req.cut?.then === 'hold') r.destroy();
      else if (req.cut?.then === 'end') {
        if (r.socket) r.socket.end();
        else r.once('socket', (socket) => socket.end());
      } else if (req.cut?.then !== 'hold') r.end();
    })();
  });
}
