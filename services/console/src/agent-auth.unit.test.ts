import {
  AgentDirectory,
  hashPassword,
  isPasswordHash,
  issueSession,
  parseUsers,
  verifyPassword,
  verifySession,
} from './agent-auth';

const FAST = { N: 1024, r: 8, p: 1 }; // the format carries its cost, so tests may hash cheaply
const SECRET = 'a-session-secret-of-at-least-32-characters';

describe('passwords', () => {
  const hash = hashPassword('correct horse', undefined, FAST);

  it('verifies the password a hash was made from, and no other', () => {
    expect(isPasswordHash(hash)).toBe(true);
    expect(verifyPassword('correct horse', hash)).toBe(true);
    expect(verifyPassword('correct horse ', hash)).toBe(false);
    expect(verifyPassword('', hash)).toBe(false);
  });

  it('salts every hash', () => {
    expect(hashPassword('same', undefined, FAST)).not.toBe(hashPassword('same', undefined, FAST));
  });

  it('never matches a malformed hash', () => {
    expect(verifyPassword('x', 'plain-text-password')).toBe(false);
    expect(verifyPassword('x', hash.replace(/\$[^$]+$/, '$short'))).toBe(false);
  });

  it('parses CONSOLE_USERS entries and authenticates by name and password', () => {
    const users = parseUsers(` anna:${hash} , bo:${hashPassword('bo-password', undefined, FAST)}`);
    expect(users.map((u) => u.name)).toEqual(['anna', 'bo']);
    const directory = new AgentDirectory(users);
    expect(directory.authenticate('anna', 'correct horse')).toBe('anna');
    expect(directory.authenticate('bo', 'correct horse')).toBeNull();
    expect(directory.authenticate('nobody', 'correct horse')).toBeNull();
  });
});

describe('sessions', () => {
  const now = 1_700_000_000_000;

  it('name the agent until they expire', () => {
    const token = issueSession('anna', SECRET, now, 60_000);
    expect(verifySession(token, SECRET, now + 59_999)).toBe('anna');
    expect(verifySession(token, SECRET, now + 60_000)).toBeNull();
  });

  it('are refused when forged, signed with another secret, or malformed', () => {
    const token = issueSession('anna', SECRET, now, 60_000);
    const [, signature] = token.split('.');
    const forged = `${Buffer.from(JSON.stringify({ a: 'admin', e: now + 60_000 })).toString('base64url')}.${signature}`;
    expect(verifySession(forged, SECRET, now)).toBeNull();
    expect(
      verifySession(issueSession('anna', `${SECRET}-other`, now, 60_000), SECRET, now),
    ).toBeNull();
    for (const bad of [undefined, '', '.', 'abc', `${token}x`, 'x.y'])
      expect(verifySession(bad, SECRET, now)).toBeNull();
  });
});
