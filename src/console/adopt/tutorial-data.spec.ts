import { describeProblem, parseSqlAlchemyTimestamp } from './tutorial-data';

describe('parseSqlAlchemyTimestamp', () => {
  it.each([
    ['2026-11-26 08:00:00.123456', '2026-11-26T08:00:00.123Z'],
    ['2026-11-26 08:00:00.123500', '2026-11-26T08:00:00.124Z'],
    ['2026-11-26 09:30:15.999999', '2026-11-26T09:30:16.000Z'],
    ['2026-12-31 23:59:59.999500', '2027-01-01T00:00:00.000Z'],
    ['2026-11-26 08:00:00', '2026-11-26T08:00:00.000Z'],
    ['2026-11-26T08:00:00.5', '2026-11-26T08:00:00.500Z'],
    ['2024-02-29 12:00:00.000001', '2024-02-29T12:00:00.000Z'],
  ])('reads %s as UTC, to the nearest millisecond: %s', (text, iso) => {
    expect(new Date(parseSqlAlchemyTimestamp(text)!).toISOString()).toBe(iso);
  });

  it.each([
    'yesterday',
    '',
    '2026-02-30 08:00:00',
    '2025-02-29 08:00:00',
    '2026-11-26 24:00:00',
    '2026-11-26 08:60:00',
    '2026-11-26 08:00:60',
    '2026-11-26 08:00:00.1234567',
    '2026-11-26 08:00:00+02:00',
    '2026-11-26',
    ' 2026-11-26 08:00:00',
  ])('refuses %j', (text) => {
    expect(parseSqlAlchemyTimestamp(text)).toBeUndefined();
  });
});

describe('describeProblem', () => {
  it('names the table, the ids and the rule', () => {
    expect(describeProblem({ table: 'post', ids: [3, 7], rule: 'body is NULL' })).toBe(
      'post 3, 7: body is NULL',
    );
  });

  it('lists twenty ids, then counts the others', () => {
    const ids = Array.from({ length: 25 }, (_, i) => i + 1);
    expect(describeProblem({ table: 'user', ids, rule: 'email is NULL' })).toBe(
      `user ${ids.slice(0, 20).join(', ')} and 5 more: email is NULL`,
    );
  });
});
