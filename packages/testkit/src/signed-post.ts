import { randomUUID } from 'node:crypto';
import { signWebhook } from '@cpm/sinch-webhooks';

/** POSTs a body to a webhook URL, signed the way Sinch signs it (or with given headers). */
export async function postWebhook(
  url: string,
  body: Buffer | string,
  options: { secret?: string; headers?: Record<string, string>; nowSeconds?: number } = {},
): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const signature = options.secret
    ? signWebhook(
        bytes,
        options.secret,
        randomUUID(),
        options.nowSeconds ?? Math.floor(Date.now() / 1000),
      )
    : {};
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signature, ...options.headers },
    body: bytes,
  });
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { text };
  }
  return { status: response.status, json, headers: response.headers };
}
