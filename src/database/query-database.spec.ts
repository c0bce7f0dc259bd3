import { retryOnLostConnection } from './query-database';

const lost = () => new Error('Connection terminated unexpectedly');
const refused = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

describe('retryOnLostConnection', () => {
  it('runs a read once more when its connection was lost, and answers the second try', async () => {
    const read = jest.fn().mockRejectedValueOnce(lost()).mockResolvedValueOnce('rows');
    await expect(retryOnLostConnection(read)).resolves.toBe('rows');
    expect(read).toHaveBeenCalledTimes(2);
  });

  it('retries only once', async () => {
    const read = jest.fn().mockRejectedValue(lost());
    await expect(retryOnLostConnection(read)).rejects.toThrow('Connection terminated');
    expect(read).toHaveBeenCalledTimes(2);
  });

  it.each([
    ['an unreachable database', refused()],
    ['any other error', new Error('syntax error')],
  ])('does not retry %s', async (_name, error) => {
    const read = jest.fn().mockRejectedValue(error);
    await expect(retryOnLostConnection(read)).rejects.toBe(error);
    expect(read).toHaveBeenCalledTimes(1);
  });
});
