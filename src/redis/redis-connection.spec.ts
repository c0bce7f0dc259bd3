import { EventEmitter } from 'node:events';
import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { RedisConnection } from './redis-connection';
import { parseRedisUrl } from './redis-url';

/** The part of an ioredis client that RedisConnection uses, driven by the test. */
class FakeClient extends EventEmitter {
  status = 'wait';
  connect = jest.fn(() => {
    this.status = 'ready';
    return Promise.resolve();
  });
  ping = jest.fn(() => Promise.resolve('PONG'));
  disconnect = jest.fn(() => {
    this.status = 'end';
  });

  /** The server refuses connections: ioredis reports it, then keeps reconnecting. */
  refuse(): Error {
    const error = new Error('connect ECONNREFUSED 10.0.0.7:6380');
    this.status = 'reconnecting';
    this.emit('error', error);
    this.emit('close');
    return error;
  }
}

const RETRY_MS = 1000;
const { description } = parseRedisUrl('redis://microblog:s3cret@cache.internal:6380/1');

describe('RedisConnection', () => {
  let client: FakeClient;
  let redis: RedisConnection;
  let warn: jest.SpyInstance;
  let log: jest.SpyInstance;

  beforeEach(() => {
    jest.useFakeTimers();
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    client = new FakeClient();
    redis = new RedisConnection(client as unknown as Redis, description, RETRY_MS);
  });

  afterEach(() => {
    redis.onApplicationShutdown();
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  /** Everything logged, for checks on what it says and never says. */
  const logged = () => [...warn.mock.calls, ...log.mock.calls].flat().join('\n');

  it('connects at start-up and counts Redis as available', async () => {
    await redis.onModuleInit();
    expect(client.connect).toHaveBeenCalledTimes(1);
    expect(redis.available).toBe(true);
    expect(log).toHaveBeenCalledWith('Connected to redis://cache.internal:6380/1');
    expect(warn).not.toHaveBeenCalled();
  });

  it('starts while Redis is down, warns once, pings every retry interval, and says when it is back', async () => {
    client.connect.mockImplementation(() => Promise.reject(client.refuse()));
    client.ping.mockRejectedValue(new Error("Stream isn't writeable"));
    await redis.onModuleInit();
    expect(redis.available).toBe(false);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toBe(
      'redis://cache.internal:6380/1 is unreachable (connect ECONNREFUSED 10.0.0.7:6380): the ' +
        "rate limits count in this process's memory until it answers again",
    );

    await jest.advanceTimersByTimeAsync(RETRY_MS);
    await jest.advanceTimersByTimeAsync(RETRY_MS);
    expect(client.ping).toHaveBeenCalledTimes(2);
    expect(redis.available).toBe(false);
    expect(warn).toHaveBeenCalledTimes(1);

    client.status = 'ready';
    client.emit('ready');
    client.ping.mockResolvedValue('PONG');
    await jest.advanceTimersByTimeAsync(RETRY_MS);
    expect(redis.available).toBe(true);
    expect(log).toHaveBeenCalledTimes(1);
    expect(log).toHaveBeenCalledWith(
      'redis://cache.internal:6380/1 answers again: the rate limits count in Redis again',
    );

    // Back: no more pings.
    await jest.advanceTimersByTimeAsync(10 * RETRY_MS);
    expect(client.ping).toHaveBeenCalledTimes(3);
    expect(logged()).not.toMatch(/s3cret|microblog:/);
  });

  it('warns once however many commands fail, and pings once per interval meanwhile', async () => {
    await redis.onModuleInit();
    client.ping.mockRejectedValue(new Error('Command timed out'));
    for (let i = 0; i < 50; i++) {
      redis.reportFailure(new Error('Command timed out'));
    }
    expect(redis.available).toBe(false);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toMatch(/ is unreachable \(Command timed out\)/);

    await jest.advanceTimersByTimeAsync(3 * RETRY_MS);
    expect(client.ping).toHaveBeenCalledTimes(3);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('comes back at once when a ping (such as /health sends) gets an answer, and stops retrying', async () => {
    await redis.onModuleInit();
    redis.reportFailure(new Error('Command timed out'));

    await expect(redis.ping()).resolves.toEqual({ ok: true });
    expect(redis.available).toBe(true);
    expect(log).toHaveBeenLastCalledWith(expect.stringMatching(/ answers again/));
    await jest.advanceTimersByTimeAsync(5 * RETRY_MS);
    expect(client.ping).toHaveBeenCalledTimes(1);
  });

  it('answers a ping that fails with the reason, and counts Redis as unreachable', async () => {
    await redis.onModuleInit();
    client.ping.mockImplementation(() => Promise.reject(client.refuse()));
    await expect(redis.ping()).resolves.toEqual({
      ok: false,
      reason: 'connect ECONNREFUSED 10.0.0.7:6380',
    });
    expect(redis.available).toBe(false);
  });

  it('stops retrying and disconnects on shutdown', async () => {
    await redis.onModuleInit();
    redis.reportFailure(new Error('Command timed out'));
    redis.onApplicationShutdown();
    expect(client.disconnect).toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(5 * RETRY_MS);
    expect(client.ping).not.toHaveBeenCalled();
  });
});
