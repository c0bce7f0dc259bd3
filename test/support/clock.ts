import { Clock } from '../../src/auth/clock';

/** A clock that tests move by hand: it starts at the real time and stays there. */
export class TestClock extends Clock {
  private offsetMs = 0;

  override now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  /** Moves time forward by `seconds`. */
  advance(seconds: number): void {
    this.offsetMs += seconds * 1000;
  }

  reset(): void {
    this.offsetMs = 0;
  }
}
