import { AsyncLocalStorage } from 'node:async_hooks';

/** Where a read goes: the primary, or a healthy read replica if there is one. */
export type ReadTarget = 'primary' | 'replica';

const storage = new AsyncLocalStorage<ReadTarget>();

/**
 * Which database the reads of the code running now go to. Everything reads from the primary,
 * unless it runs inside `readFrom('replica', ...)`, which only `ReadRoutingInterceptor` calls,
 * around the handler of a public GET. So a write's request, a guard, a background job or a
 * console command cannot read from a replica, whatever it calls.
 */
export const ReadRouting = {
  /** Runs `fn`, and everything it starts, with its reads going to `target`. */
  readFrom<T>(target: ReadTarget, fn: () => T): T {
    return storage.run(target, fn);
  },

  /** Where reads go here and now. */
  current(): ReadTarget {
    return storage.getStore() ?? 'primary';
  },
};
