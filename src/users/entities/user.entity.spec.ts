import { inspect } from 'node:util';
import { MikroORM } from '@mikro-orm/core';
import { createOrmConfig } from '../../../mikro-orm.config';
import { Post } from '../../posts/entities/post.entity';
import { User } from './user.entity';

describe('entity representations', () => {
  it('prints a user like the tutorial: <User john>', () => {
    const user = Object.assign(new User(), { username: 'john' });
    expect(inspect(user)).toBe('<User john>');
    expect(inspect([user])).toBe('[ <User john> ]');
  });

  it('prints a post like the tutorial: <Post my first post!>', () => {
    const post = Object.assign(new Post(), { body: 'my first post!' });
    expect(inspect(post)).toBe('<Post my first post!>');
  });

  it('gives a post created through the ORM a "now" timestamp, as the tutorial\'s default', async () => {
    const orm = new MikroORM(createOrmConfig(':memory:'));
    try {
      const before = Date.now();
      const { timestamp } = orm.em.fork().create(Post, { body: 'hi', author: 1 });
      expect(timestamp.getTime()).toBeGreaterThanOrEqual(before);
      expect(timestamp.getTime()).toBeLessThanOrEqual(Date.now());
    } finally {
      await orm.close();
    }
  });
});
