import { trustProxy } from './app.setup';

describe('trustProxy', () => {
  it.each([
    [undefined, false],
    ['false', false],
    ['true', true],
    ['1', 1],
    ['2', 2],
    ['loopback', 'loopback'],
    ['10.0.0.0/8, 127.0.0.1', '10.0.0.0/8, 127.0.0.1'],
  ])('reads TRUST_PROXY=%s as %p', (value, expected) => {
    expect(trustProxy(value)).toBe(expected);
  });
});
