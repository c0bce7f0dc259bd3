import { PasswordHasher } from './password-hasher';
import { WERKZEUG_HASHES } from '../../test/support/werkzeug-hashes';
import { PASSWORD_HASH_MAX_LENGTH } from './entities/user.entity';

/** A hash release 0.1.0 stored for "correct horse battery staple" (scrypt, N=2^15). */
const V6_SCRYPT_HASH =
  'scrypt$ln=15,r=8,p=1$yGh6N7HrgGhKrg_5MqjyXA$m-qk8QrVD6nh7k0vai3ZvqnGE3zoPOWUsl6-0Q0yvTI';

describe('PasswordHasher', () => {
  // Cheaper parameters keep the suite fast; the format and logic are the same.
  const hasher = new PasswordHasher({ m: 1024, t: 1, p: 1 });

  it('verifies the right password and rejects a wrong one', async () => {
    const encoded = await hasher.hash('correct horse battery staple');
    await expect(hasher.verify('correct horse battery staple', encoded)).resolves.toBe(true);
    await expect(hasher.verify('correct horse battery stapler', encoded)).resolves.toBe(false);
    await expect(hasher.verify('', encoded)).resolves.toBe(false);
  });

  it('salts: two hashes of one password differ, and both verify', async () => {
    const [a, b] = await Promise.all([hasher.hash('s3cret-pass'), hasher.hash('s3cret-pass')]);
    expect(a).not.toBe(b);
    await expect(hasher.verify('s3cret-pass', a)).resolves.toBe(true);
    await expect(hasher.verify('s3cret-pass', b)).resolves.toBe(true);
  });

  it('encodes argon2id and its parameters as a PHC string that fits the column', async () => {
    const encoded = await hasher.hash('x'.repeat(256));
    expect(encoded).toMatch(
      /^\$argon2id\$v=19\$m=1024,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/,
    );
    expect(encoded.length).toBeLessThanOrEqual(PASSWORD_HASH_MAX_LENGTH);
  });

  it("uses at least OWASP's minimum (m = 19 MiB, t = 2, p = 1) by default", async () => {
    const encoded = await new PasswordHasher().hash('pässwörd 🔑');
    expect(encoded).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(encoded.length).toBeLessThanOrEqual(PASSWORD_HASH_MAX_LENGTH);
    await expect(new PasswordHasher().verify('pässwörd 🔑', encoded)).resolves.toBe(true);
  });

  it('verifies a scrypt hash from release 0.1.0, and says it needs a rehash', async () => {
    await expect(hasher.verify('correct horse battery staple', V6_SCRYPT_HASH)).resolves.toBe(true);
    await expect(hasher.verify('correct horse battery stapl', V6_SCRYPT_HASH)).resolves.toBe(false);
    expect(hasher.needsRehash(V6_SCRYPT_HASH)).toBe(true);
  });

  it('says a hash made with weaker parameters needs a rehash, and a current one does not', async () => {
    const old = await hasher.hash('upgrade-me');
    const current = new PasswordHasher({ m: 2048, t: 1, p: 1 });
    await expect(current.verify('upgrade-me', old)).resolves.toBe(true);
    expect(current.needsRehash(old)).toBe(true);
    expect(hasher.needsRehash(old)).toBe(false);
  });

  it.each([
    ['pbkdf2', 'correct horse battery staple'],
    ['pbkdf2Sha512', 'ünïcödé pässwörd'],
    ['scrypt', 'correct horse battery staple'],
  ] as const)(
    "verifies Werkzeug's %s hash from a Flask app's database, and says it needs a rehash",
    async (name, password) => {
      const encoded = WERKZEUG_HASHES[name];
      await expect(hasher.verify(password, encoded)).resolves.toBe(true);
      await expect(hasher.verify(`${password}!`, encoded)).resolves.toBe(false);
      expect(hasher.needsRehash(encoded)).toBe(true);
    },
  );

  it('refuses Werkzeug hashes whose cost is out of bounds, without computing them', async () => {
    const [, salt, key] = WERKZEUG_HASHES.scrypt.split('$');
    for (const method of ['scrypt:4194304:8:1', 'scrypt:1000:8:1', 'scrypt:32768:0:1']) {
      await expect(
        hasher.verify('correct horse battery staple', `${method}$${salt}$${key}`),
      ).resolves.toBe(false);
    }
    const pbkdf2 = WERKZEUG_HASHES.pbkdf2.replace(':260000$', ':99999999$');
    await expect(hasher.verify('correct horse battery staple', pbkdf2)).resolves.toBe(false);
  });

  it.each([
    '',
    'plain',
    'scrypt$ln=10,r=8,p=1$short$short',
    '$argon2i$v=19$m=1024,t=1,p=1$a$b',
    'pbkdf2:md5:1000$salt$0123456789abcdef0123456789abcdef',
    'pbkdf2:sha256:1000$salt$0123',
  ])('rejects a malformed stored value (%j) instead of throwing', async (encoded) => {
    await expect(hasher.verify('anything', encoded)).resolves.toBe(false);
  });
});
