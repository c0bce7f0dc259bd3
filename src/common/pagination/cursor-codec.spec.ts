import { BadRequestException } from '@nestjs/common';
import { CursorCodec } from './cursor-codec';

describe('CursorCodec', () => {
  const codec = new CursorCodec('test-secret');

  it('round-trips a position for the same listing', () => {
    const cursor = codec.encode('posts', [1764140400000, 42]);
    expect(cursor).toMatch(/^[\w-]+\.[\w-]+$/);
    expect(codec.decode(cursor, 'posts', 'number')).toEqual([1764140400000, 42]);
    const byName = codec.encode('users:username', ['john', 1]);
    expect(codec.decode(byName, 'users:username', 'string')).toEqual(['john', 1]);
  });

  it('rejects a cursor from another listing', () => {
    const cursor = codec.encode('users/1/posts', [1, 2]);
    expect(() => codec.decode(cursor, 'users/2/posts', 'number')).toThrow(
      new BadRequestException('cursor belongs to a different listing or sort order'),
    );
  });

  it('rejects a cursor signed with another secret', () => {
    const cursor = new CursorCodec('other').encode('posts', [1, 2]);
    expect(() => codec.decode(cursor, 'posts', 'number')).toThrow(/altered/);
  });

  it('rejects an edited payload even when it still decodes', () => {
    const [, mac] = codec.encode('posts', [1, 2]).split('.');
    const forged = Buffer.from(JSON.stringify(['posts', 1, 3])).toString('base64url');
    expect(() => codec.decode(`${forged}.${mac}`, 'posts', 'number')).toThrow(/altered/);
  });

  it.each(['', 'x', 'a.b', 'a.b.c', '....', '%%%.%%%', 'eyJ9.AAAAAAAAAAAAAAAAAAAAAA'])(
    'rejects garbage %j with a 400',
    (cursor) => {
      expect(() => codec.decode(cursor, 'posts', 'number')).toThrow(BadRequestException);
    },
  );

  it('rejects a correctly signed cursor whose values have the wrong types', () => {
    const cursor = codec.encode('users:username', [5, 1]);
    expect(() => codec.decode(cursor, 'users:username', 'string')).toThrow(BadRequestException);
  });
});
