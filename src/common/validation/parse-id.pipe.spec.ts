import { BadRequestException } from '@nestjs/common';
import { MAX_ID, ParseIdPipe } from './parse-id.pipe';

describe('ParseIdPipe', () => {
  const pipe = new ParseIdPipe();
  const parse = (value: string) => pipe.transform(value, { type: 'param', data: 'id' });

  it.each([
    ['1', 1],
    ['42', 42],
    [String(MAX_ID), MAX_ID],
  ])('accepts %s', (value, id) => {
    expect(parse(value)).toBe(id);
  });

  it.each([
    '0',
    '-1',
    '01',
    '1.0',
    '1e3',
    'abc',
    '',
    ' 1',
    '0x10',
    String(MAX_ID + 1),
    '99999999999',
  ])('rejects %j with a 400 naming the parameter', (value) => {
    expect(() => parse(value)).toThrow(new BadRequestException('id must be a positive integer'));
  });
});
