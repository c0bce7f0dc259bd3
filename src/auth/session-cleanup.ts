import { EntityManager } from '@mikro-orm/sql';
import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Clock } from './clock';
import { AuthSession } from './entities/auth-session.entity';

/** How often expired sessions are deleted. */
export const CLEANUP_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Deletes sessions whose last refresh token has expired (their tokens go with them, by the
 * foreign key's `on delete cascade`): when the app starts, then every hour. A revoked session
 * stays until it would have expired, so that a stolen token presented meanwhile is still
 * recognized as a reuse. Every instance runs it; the delete is idempotent.
 */
@Injectable()
export class SessionCleanup implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SessionCleanup.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    void this.run();
    this.timer = setInterval(() => void this.run(), CLEANUP_INTERVAL_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Deletes the expired sessions; returns how many. Never throws: a failure is logged. */
  async run(): Promise<number> {
    try {
      const deleted = await this.em
        .fork()
        .nativeDelete(AuthSession, { expiresAt: { $lte: this.clock.now() } });
      if (deleted > 0) {
        this.logger.log(`deleted ${deleted} expired session(s)`);
      }
      return deleted;
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.logger.warn(`expired sessions not deleted: ${reason}`);
      return 0;
    }
  }
}
