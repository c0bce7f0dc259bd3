import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { defer, firstValueFrom, of, throwError } from 'rxjs';
import { AccessTokens } from '../../auth/access-tokens';
import { Public } from '../../auth/public.decorator';
import type { Principal } from '../../auth/session.queries';
import { ReadReplicas } from './read-replicas';
import { readRoutingInterceptor } from './read-replicas.module';
import { ReadRouting } from './read-routing';
import { ReadRoutingInterceptor } from './read-routing.interceptor';
import { RecentWriters } from './recent-writers';

class PostsController {
  @Public()
  list(): void {}

  me(): void {}
}

const ALICE: Principal = { id: 7, username: 'alice', sessionId: 3 };

interface FakeRequest {
  method: string;
  headers: { authorization?: string };
  principal?: Principal;
}

function contextOf(request: FakeRequest, handler: 'list' | 'me'): ExecutionContext {
  return {
    getType: () => 'http',
    switchToHttp: () => ({ getRequest: () => request }),
    getHandler: () => PostsController.prototype[handler],
    getClass: () => PostsController,
  } as unknown as ExecutionContext;
}

/** A handler that answers where its reads go. */
const reportsTarget: CallHandler = { handle: () => defer(() => of(ReadRouting.current())) };

describe('ReadRoutingInterceptor', () => {
  let interceptor: ReadRoutingInterceptor;
  let verify: jest.Mock;
  let wroteLately: jest.Mock;
  let mark: jest.Mock;

  beforeEach(async () => {
    verify = jest.fn((token: string) =>
      token === 'alice-token'
        ? Promise.resolve({ userId: ALICE.id, sessionId: ALICE.sessionId })
        : Promise.reject(new Error('invalid')),
    );
    wroteLately = jest.fn(() => Promise.resolve(false));
    mark = jest.fn(() => Promise.resolve());
    const moduleRef = await Test.createTestingModule({
      providers: [
        ReadRoutingInterceptor,
        Reflector,
        { provide: AccessTokens, useValue: { verify } },
        { provide: RecentWriters, useValue: { wroteLately, mark } },
      ],
    }).compile();
    interceptor = moduleRef.get(ReadRoutingInterceptor);
  });

  const run = (request: FakeRequest, handler: 'list' | 'me', next = reportsTarget) =>
    firstValueFrom(interceptor.intercept(contextOf(request, handler), next));

  it('sends the reads of an anonymous public GET (or HEAD) to a replica', async () => {
    await expect(run({ method: 'GET', headers: {} }, 'list')).resolves.toBe('replica');
    await expect(run({ method: 'HEAD', headers: {} }, 'list')).resolves.toBe('replica');
    expect(verify).not.toHaveBeenCalled();
  });

  it("sends a signed-in user's public GET to a replica, unless they wrote lately", async () => {
    const request = { method: 'GET', headers: { authorization: 'Bearer alice-token' } };
    await expect(run(request, 'list')).resolves.toBe('replica');
    expect(wroteLately).toHaveBeenCalledWith(ALICE.id);

    wroteLately.mockResolvedValue(true);
    await expect(run(request, 'list')).resolves.toBe('primary');
  });

  it('ignores a token that does not verify, as the public route does', async () => {
    wroteLately.mockResolvedValue(true);
    for (const authorization of ['Bearer forged', 'Basic YWxpY2U6eA==']) {
      await expect(run({ method: 'GET', headers: { authorization } }, 'list')).resolves.toBe(
        'replica',
      );
    }
    expect(wroteLately).not.toHaveBeenCalled();
  });

  it('keeps a signed-in GET (not public) on the primary', async () => {
    const request = { method: 'GET', headers: { authorization: 'Bearer alice-token' } };
    await expect(run({ ...request, principal: ALICE }, 'me')).resolves.toBe('primary');
    expect(verify).not.toHaveBeenCalled();
  });

  it('keeps a write on the primary and marks its signed-in author before the response', async () => {
    const order: string[] = [];
    mark.mockImplementation(() => {
      order.push('mark');
      return Promise.resolve();
    });
    const handler: CallHandler = {
      handle: () =>
        defer(() => {
          order.push(`handler on ${ReadRouting.current()}`);
          return of('created');
        }),
    };
    const request = { method: 'POST', headers: {}, principal: ALICE };
    const response = run(request, 'list', handler).then((value) => {
      order.push('response');
      return value;
    });
    await expect(response).resolves.toBe('created');
    expect(order).toEqual(['handler on primary', 'mark', 'response']);
    expect(mark).toHaveBeenCalledWith(ALICE.id);
  });

  it('marks the author of a write that failed too (it may have written before failing)', async () => {
    const failing: CallHandler = { handle: () => throwError(() => new Error('conflict')) };
    const request = { method: 'DELETE', headers: {}, principal: ALICE };
    await expect(run(request, 'me', failing)).rejects.toThrow('conflict');
    expect(mark).toHaveBeenCalledWith(ALICE.id);
  });

  it('marks no one for an anonymous write (sign-up, sign-in)', async () => {
    await expect(run({ method: 'POST', headers: {} }, 'list')).resolves.toBe('primary');
    expect(mark).not.toHaveBeenCalled();
  });
});

describe('readRoutingInterceptor', () => {
  const make = (replicas: ReadReplicas) =>
    readRoutingInterceptor(new Reflector(), replicas, {} as AccessTokens, {} as RecentWriters);

  it('gives the interceptor with replicas, and none without (Nest skips a null global one)', () => {
    expect(make(ReadReplicas.none())).toBeNull();
    expect(make({ configured: true } as ReadReplicas)).toBeInstanceOf(ReadRoutingInterceptor);
  });
});
