import { randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { sendApiError } from '../api-error';
import { guarded, type RouteKit } from './route-kit';

export interface SimCredentials {
  keyId: string;
  keySecret: string;
}

const TOKEN_LIFETIME_SECONDS = 3600;

/**
 * `POST /oauth2/token` as on auth.sinch.com: client credentials by HTTP Basic, form body
 * `grant_type=client_credentials`. The token is JWT-shaped (unsigned) with an `exp`, which
 * the SDK reads to refresh ahead of expiry. Any key is accepted unless `credentials` are set.
 */
export function authRoutes(kit: RouteKit, credentials?: SimCredentials): Router {
  const router = Router();
  router.post(
    '/oauth2/token',
    ...guarded(kit, 'oauth2:token', false),
    (req: Request, res: Response) => {
      const form = new URLSearchParams(Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '');
      if (form.get('grant_type') !== 'client_credentials')
        return sendApiError(res, 400, 'grant_type must be client_credentials');
      const client = basicCredentials(req.headers.authorization);
      if (!client) return sendApiError(res, 401, 'missing HTTP Basic client credentials');
      if (
        credentials &&
        (client.keyId !== credentials.keyId || client.keySecret !== credentials.keySecret)
      ) {
        return sendApiError(res, 401, 'unknown key id or wrong secret');
      }
      const token = fakeJwt(client.keyId, kit.ctx.now());
      kit.tokens.add(token);
      res.json({
        access_token: token,
        expires_in: TOKEN_LIFETIME_SECONDS,
        scope: '',
        token_type: 'bearer',
      });
    },
  );
  return router;
}

function basicCredentials(header: string | undefined): SimCredentials | null {
  if (!header?.startsWith('Basic ')) return null;
  const decoded = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { keyId: decoded.slice(0, colon), keySecret: decoded.slice(colon + 1) };
}

function fakeJwt(subject: string, now: Date): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const iat = Math.floor(now.getTime() / 1000);
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ sub: subject, iat, exp: iat + TOKEN_LIFETIME_SECONDS, jti: randomUUID() })}.sim`;
}
