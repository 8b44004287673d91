import { createHmac, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

/**
 * Agent sign-in for the console: users with scrypt password hashes from configuration
 * (CONSOLE_USERS), and a stateless session cookie signed with CONSOLE_SESSION_SECRET, so
 * every console instance accepts a session that any of them issued.
 *
 * Hash format: `scrypt$<N>$<r>$<p>$<salt, base64url>$<hash, base64url>`
 * (`npm run hash-password -w @cpm/console` prints one).
 */
const KEY_LENGTH = 32;
const DEFAULT_COST = { N: 16384, r: 8, p: 1 };

export interface AgentUser {
  name: string;
  passwordHash: string;
}

export function hashPassword(
  password: string,
  salt: Buffer = randomBytes(16),
  cost = DEFAULT_COST,
): string {
  const hash = scryptSync(password, salt, KEY_LENGTH, { ...cost, maxmem: 64 * 1024 * 1024 });
  return [
    'scrypt',
    cost.N,
    cost.r,
    cost.p,
    salt.toString('base64url'),
    hash.toString('base64url'),
  ].join('$');
}

/** Whether an encoded hash is well formed (checked once, at start-up). */
export function isPasswordHash(encoded: string): boolean {
  return /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9_-]{16,}\$[A-Za-z0-9_-]{40,}$/.test(encoded);
}

/** Compares in constant time; a malformed hash never matches. */
export function verifyPassword(password: string, encoded: string): boolean {
  if (!isPasswordHash(encoded)) return false;
  const [, n, r, p, salt, expected] = encoded.split('$') as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const want = Buffer.from(expected, 'base64url');
  const got = scryptSync(password, Buffer.from(salt, 'base64url'), want.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: 64 * 1024 * 1024,
  });
  return timingSafeEqual(got, want);
}

/** `name:hash,name:hash` → users; names are what commands carry as agentId. */
export function parseUsers(csv: string): AgentUser[] {
  return csv
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const colon = entry.indexOf(':');
      return { name: entry.slice(0, colon).trim(), passwordHash: entry.slice(colon + 1).trim() };
    });
}

export class AgentDirectory {
  private readonly byName: Map<string, string>;
  // A hash to compare against for unknown names, so a wrong name costs as much as a wrong password.
  private readonly decoy = hashPassword(randomBytes(16).toString('hex'));

  constructor(users: AgentUser[]) {
    this.byName = new Map(users.map((u) => [u.name, u.passwordHash]));
  }

  /** The agent's name when the password is theirs, else null. */
  authenticate(name: string, password: string): string | null {
    const hash = this.byName.get(name);
    const ok = verifyPassword(password, hash ?? this.decoy);
    return hash !== undefined && ok ? name : null;
  }
}

const sign = (payload: string, secret: string): Buffer =>
  createHmac('sha256', secret).update(payload).digest();

/** A session token: `<payload, base64url>.<HMAC-SHA256, base64url>`; the payload names the agent and the expiry. */
export function issueSession(agent: string, secret: string, now: number, ttlMs: number): string {
  const payload = Buffer.from(JSON.stringify({ a: agent, e: now + ttlMs })).toString('base64url');
  return `${payload}.${sign(payload, secret).toString('base64url')}`;
}

/** The agent a token names, or null when it is forged, malformed or expired. */
export function verifySession(
  token: string | undefined,
  secret: string,
  now: number,
): string | null {
  if (!token) return null;
  const dot = token.indexOf('.');
  if (dot <= 0) return null;
  const payload = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const expected = sign(payload, secret);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const { a, e } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      a?: unknown;
      e?: unknown;
    };
    return typeof a === 'string' && typeof e === 'number' && e > now ? a : null;
  } catch {
    return null;
  }
}
