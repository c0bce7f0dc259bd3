import { inspect } from 'node:util';
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

  it('gives a new post a UTC "now" timestamp', () => {
    const before = Date.now();
    const { timestamp } = new Post();
    expect(timestamp.getTime()).toBeGreaterThanOrEqual(before);
    expect(timestamp.getTime()).toBeLessThanOrEqual(Date.now());
  });
});
