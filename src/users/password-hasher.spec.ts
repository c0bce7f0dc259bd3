import { PasswordHasher } from './password-hasher';
import { PASSWORD_HASH_MAX_LENGTH } from './entities/user.entity';

describe('PasswordHasher', () => {
  // Cheaper parameters keep the suite fast; the format and logic are the same.
  const hasher = new PasswordHasher({ ln: 10, r: 8, p: 1 });

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

  it('encodes the parameters and fits the password_hash column', async () => {
    const encoded = await hasher.hash('x'.repeat(256));
    expect(encoded).toMatch(/^scrypt\$ln=10,r=8,p=1\$[\w-]{22}\$[\w-]{43}$/);
    expect(encoded.length).toBeLessThanOrEqual(PASSWORD_HASH_MAX_LENGTH);
  });

  it('uses the default parameters N=2^15, r=8, p=1 and still fits the column', async () => {
    const encoded = await new PasswordHasher().hash('pässwörd 🔑');
    expect(encoded).toMatch(/^scrypt\$ln=15,r=8,p=1\$/);
    expect(encoded.length).toBeLessThanOrEqual(PASSWORD_HASH_MAX_LENGTH);
    await expect(new PasswordHasher().verify('pässwörd 🔑', encoded)).resolves.toBe(true);
  });

  it('verifies a hash made with older parameters, and says it needs a rehash', async () => {
    const old = await hasher.hash('upgrade-me');
    const current = new PasswordHasher({ ln: 11, r: 8, p: 1 });
    await expect(current.verify('upgrade-me', old)).resolves.toBe(true);
    expect(current.needsRehash(old)).toBe(true);
    expect(hasher.needsRehash(old)).toBe(false);
  });

  it.each(['', 'plain', 'scrypt$ln=10,r=8,p=1$short$short', 'bcrypt$2b$10$abc'])(
    'rejects a malformed stored value (%j) instead of throwing',
    async (encoded) => {
      await expect(hasher.verify('anything', encoded)).resolves.toBe(false);
    },
  );
});
