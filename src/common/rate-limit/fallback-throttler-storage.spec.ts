import { ThrottlerStorageService } from '@nestjs/throttler';
import { FallbackThrottlerStorage } from './fallback-throttler-storage';

const MINUTE = 60_000;
/** `increment`'s arguments: a key, its window and block (ms), a limit of 3, the limit's name. */
const HIT = ['key', MINUTE, 3, MINUTE, 'login-address'] as const;
const SHARED_RECORD = { totalHits: 1, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 };

describe('FallbackThrottlerStorage', () => {
  let shared: { increment: jest.Mock };
  let local: ThrottlerStorageService;
  let redis: { available: boolean; reportFailure: jest.Mock };
  let storage: FallbackThrottlerStorage;

  beforeEach(() => {
    shared = { increment: jest.fn().mockResolvedValue(SHARED_RECORD) };
    local = new ThrottlerStorageService();
    redis = { available: true, reportFailure: jest.fn() };
    storage = new FallbackThrottlerStorage(shared, local, redis);
  });

  afterEach(() => storage.onApplicationShutdown());

  it('counts in Redis while it is available', async () => {
    await expect(storage.increment(...HIT)).resolves.toEqual(SHARED_RECORD);
    expect(shared.increment).toHaveBeenCalledWith(...HIT);
    expect(local.storage.size).toBe(0);
  });

  it('counts in memory when Redis fails, and reports the failure', async () => {
    const failure = new Error('Command timed out');
    shared.increment.mockRejectedValue(failure);
    await expect(storage.increment(...HIT)).resolves.toMatchObject({
      totalHits: 1,
      isBlocked: false,
    });
    expect(redis.reportFailure).toHaveBeenCalledWith(failure);
    expect(local.storage.size).toBe(1);
  });

  it('does not try Redis while it is unreachable, and still refuses past the limit', async () => {
    redis.available = false;
    const records = [];
    for (let i = 0; i < 4; i++) {
      records.push(await storage.increment(...HIT));
    }
    expect(records.map((r) => r.isBlocked)).toEqual([false, false, false, true]);
    expect(shared.increment).not.toHaveBeenCalled();
  });

  it('keeps the memory counts from one outage to the next: Redis coming back resets nothing', async () => {
    redis.available = false;
    for (let i = 0; i < 4; i++) {
      await storage.increment(...HIT);
    }
    redis.available = true;
    await expect(storage.increment(...HIT)).resolves.toEqual(SHARED_RECORD);
    redis.available = false;
    await expect(storage.increment(...HIT)).resolves.toMatchObject({ isBlocked: true });
  });
});
