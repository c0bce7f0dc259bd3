import { SignJWT } from 'jose';
import { AccessTokens, InvalidAccessToken } from './access-tokens';
import { authOptions } from './auth.options';
import { Clock } from './clock';

describe('AccessTokens', () => {
  const secret = 'a test key of at least thirty-two characters';
  const key = new TextEncoder().encode(secret);
  let now = new Date('2026-12-02T10:00:00Z');
  const clock: Clock = { now: () => now };
  const tokens = new AccessTokens(
    authOptions({ JWT_SECRET: secret, ACCESS_TOKEN_TTL: 900, REFRESH_TOKEN_TTL: 3600 }),
    clock,
  );

  beforeEach(() => {
    now = new Date('2026-12-02T10:00:00Z');
  });

  /** A token like the app's, with `change` applied to its header and claims. */
  function forged(change: { header?: object; claims?: object; key?: Uint8Array } = {}) {
    const iat = Math.floor(now.getTime() / 1000);
    const claims = {
      iss: 'microblog-nest',
      aud: 'microblog-nest:api',
      sub: '3',
      sid: 7,
      iat,
      exp: iat + 900,
      ...change.claims,
    };
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', ...change.header })
      .sign(change.key ?? key);
  }

  it('signs a token that verifies to its user and session', async () => {
    const token = await tokens.sign({ userId: 3, sessionId: 7 });
    await expect(tokens.verify(token)).resolves.toEqual({ userId: 3, sessionId: 7 });
    await expect(tokens.verify(await forged())).resolves.toEqual({ userId: 3, sessionId: 7 });
  });

  it('refuses it once the clock passes its 15 minutes', async () => {
    const token = await tokens.sign({ userId: 3, sessionId: 7 });
    now = new Date(now.getTime() + 899_000);
    await expect(tokens.verify(token)).resolves.toEqual({ userId: 3, sessionId: 7 });
    now = new Date(now.getTime() + 2_000);
    await expect(tokens.verify(token)).rejects.toThrow(InvalidAccessToken);
  });

  it.each([
    ['another key', { key: new TextEncoder().encode('another key of thirty-two characters!!') }],
    ['another type', { header: { typ: 'JWT' } }],
    ['another issuer', { claims: { iss: 'someone-else' } }],
    ['another audience', { claims: { aud: 'another-api' } }],
    ['a non-numeric subject', { claims: { sub: 'admin' } }],
    ['no session', { claims: { sid: undefined } }],
    ['a session that is not a positive integer', { claims: { sid: -1 } }],
    ['another algorithm', { header: { alg: 'HS512' } }],
  ])('refuses a token with %s', async (_label, change) => {
    await expect(tokens.verify(await forged(change))).rejects.toThrow(InvalidAccessToken);
  });

  it('refuses an unsigned token (alg: none) and garbage', async () => {
    const [, payload] = (await forged()).split('.');
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString(
      'base64url',
    );
    await expect(tokens.verify(`${header}.${payload}.`)).rejects.toThrow(InvalidAccessToken);
    await expect(tokens.verify('not-a-jwt')).rejects.toThrow(InvalidAccessToken);
  });

  it('makes a random key per process when JWT_SECRET is unset', async () => {
    const a = new AccessTokens(
      authOptions({ ACCESS_TOKEN_TTL: 900, REFRESH_TOKEN_TTL: 3600 }),
      clock,
    );
    const b = new AccessTokens(
      authOptions({ ACCESS_TOKEN_TTL: 900, REFRESH_TOKEN_TTL: 3600 }),
      clock,
    );
    const token = await a.sign({ userId: 1, sessionId: 1 });
    await expect(a.verify(token)).resolves.toEqual({ userId: 1, sessionId: 1 });
    await expect(b.verify(token)).rejects.toThrow(InvalidAccessToken);
  });
});
