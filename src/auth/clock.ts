import { Injectable } from '@nestjs/common';

/** The time, as one injectable source: token lifetimes are tested by moving it. */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
