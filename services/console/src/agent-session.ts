import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { issueSession, verifySession, type AgentDirectory } from './agent-auth';
import { NotSignedInError } from './errors';

export const SESSION_COOKIE = 'cpm_session';

export interface AgentSessionOptions {
  directory: AgentDirectory;
  secret: string;
  ttlMs: number;
  secureCookie: boolean;
  loginPage: string;
  now: () => number;
  onSignIn?: (agent: string | null) => void;
}

/** The signed-in agent of a request (set by `requireAgent`). */
export const agentOf = (res: Response): string => res.locals.agent as string;

function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name)
      return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

const LOGIN_CSP = "default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'self'";
const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * GET /login (the form), POST /login (sets the session cookie), POST /logout, and the
 * `requireAgent` guard for everything else: pages redirect to /login, the API answers 401.
 * The cookie is HttpOnly and SameSite=Strict (another site cannot send it), Secure when
 * CONSOLE_COOKIE_SECURE is set (behind TLS).
 */
export function agentSession(o: AgentSessionOptions): {
  routes: Router;
  requireAgent: (req: Request, res: Response, next: NextFunction) => void;
} {
  const routes = express.Router();
  const cookieOptions = {
    httpOnly: true,
    sameSite: 'strict' as const,
    secure: o.secureCookie,
    path: '/',
  };
  const showLogin = (res: Response, status: number, message: string) =>
    res
      .status(status)
      .set({
        'Content-Security-Policy': LOGIN_CSP,
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'no-store',
      })
      .type('html')
      .send(
        o.loginPage.replace(
          '<!--message-->',
          message ? `<p class="error" role="alert">${escapeHtml(message)}</p>` : '',
        ),
      );

  routes.get('/login', (_req, res) => showLogin(res, 200, ''));
  routes.post('/login', express.urlencoded({ extended: false, limit: '4kb' }), (req, res) => {
    const { user, password } = (req.body ?? {}) as { user?: unknown; password?: unknown };
    const agent =
      typeof user === 'string' && typeof password === 'string'
        ? o.directory.authenticate(user.trim(), password)
        : null;
    o.onSignIn?.(agent);
    if (!agent) return showLogin(res, 401, 'Wrong user name or password.');
    res.cookie(SESSION_COOKIE, issueSession(agent, o.secret, o.now(), o.ttlMs), {
      ...cookieOptions,
      maxAge: o.ttlMs,
    });
    return res.redirect(303, '/');
  });
  routes.post('/logout', (_req, res) => {
    res.clearCookie(SESSION_COOKIE, cookieOptions).redirect(303, '/login');
  });

  const requireAgent = (req: Request, res: Response, next: NextFunction): void => {
    const agent = verifySession(cookie(req, SESSION_COOKIE), o.secret, o.now());
    if (agent) {
      res.locals.agent = agent;
      return next();
    }
    if (req.method === 'GET' && req.path === '/') return res.redirect(303, '/login');
    return next(new NotSignedInError());
  };
  return { routes, requireAgent };
}
