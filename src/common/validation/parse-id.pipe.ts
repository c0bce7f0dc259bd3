import {
  type ArgumentMetadata,
  BadRequestException,
  Injectable,
  PipeTransform,
} from '@nestjs/common';

/** The largest id a 32-bit `integer` column holds on every database. */
export const MAX_ID = 2_147_483_647;

const DIGITS = /^[1-9][0-9]{0,9}$/;

/** A path id: a positive integer in canonical form ("1", not "01", "1.0" or "1e0"). */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, number> {
  transform(value: string, { data }: ArgumentMetadata): number {
    const id = DIGITS.test(value) ? Number(value) : NaN;
    if (!(id <= MAX_ID)) {
      throw new BadRequestException(`${data ?? 'id'} must be a positive integer`);
    }
    return id;
  }
}
