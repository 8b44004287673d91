import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { CheckedTarget } from './address-guard';
import { DownloadError } from './media-error';

export interface Timeouts {
  connectTimeoutMs: number;
  /** Longest silence on the socket, while connecting, waiting for the answer or reading the body. */
  readTimeoutMs: number;
}

/**
 * One GET connected to the checked address only (the Host header and TLS server name stay
 * the URL's host), without an agent or keep-alive. Resolves with the response head; the
 * body's socket keeps the read timeout.
 */
export function pinnedGet(
  url: URL,
  target: CheckedTarget,
  timeouts: Timeouts,
): Promise<IncomingMessage> {
  const secure = url.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request({
      host: target.address,
      family: target.family,
      port: url.port || (secure ? 443 : 80),
      path: `${url.pathname}${url.search}`,
      method: 'GET',
      headers: { host: url.host, accept: '*/*', 'user-agent': 'cpm-media/0.1' },
      servername: isIP(target.hostname) ? undefined : target.hostname,
      agent: false,
      timeout: timeouts.readTimeoutMs,
    });
    const connectTimer = setTimeout(
      () =>
        req.destroy(
          new DownloadError(
            'TIMEOUT',
            `no connection to ${target.address} within ${timeouts.connectTimeoutMs} ms`,
            true,
          ),
        ),
      timeouts.connectTimeoutMs,
    );
    req.once('socket', (socket) => {
      if (!socket.connecting) clearTimeout(connectTimer);
      else socket.once('connect', () => clearTimeout(connectTimer));
    });
    let response: IncomingMessage | null = null;
    req.once('timeout', () => {
      const error = new DownloadError(
        'TIMEOUT',
        `no data from ${url.host} for ${timeouts.readTimeoutMs} ms`,
        true,
      );
      // Once the head arrived, the body's reader must see the timeout, not a bare "aborted".
      if (response) response.destroy(error);
      req.destroy(error);
    });
    req.once('response', (res) => {
      clearTimeout(connectTimer);
      response = res;
      resolve(res);
    });
    req.once('error', (error) => {
      clearTimeout(connectTimer);
      reject(asDownloadError(error));
    });
    req.once('close', () => clearTimeout(connectTimer));
    req.end();
  });
}

/** Any transport failure as a DownloadError: timeouts and network errors are retriable. */
export function asDownloadError(error: unknown): DownloadError {
  if (error instanceof DownloadError) return error;
  const code = (error as { code?: string }).code ?? 'UNKNOWN';
  return new DownloadError('NETWORK_ERROR', `${code}: ${(error as Error).message}`, true, error);
}
