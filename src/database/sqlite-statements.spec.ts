import Database from 'better-sqlite3';
import type { SqliteStatement } from 'kysely';
import { ReusingStatements } from './sqlite-statements';

/** A connection that records what it compiles. */
function recording() {
  const compiled: string[] = [];
  const closed = jest.fn();
  const db = {
    prepare: (sql: string) => (compiled.push(sql), { sql }) as unknown as SqliteStatement,
    close: closed,
    inTransaction: false,
  };
  return { compiled, closed, db };
}

describe('ReusingStatements', () => {
  it("tells whether the connection's transaction is open (LockWaitingConnection asks)", () => {
    const db = new ReusingStatements(new Database(':memory:'));
    expect(db.inTransaction).toBe(false);
    db.prepare('begin').run([]);
    expect(db.inTransaction).toBe(true);
    db.prepare('commit').run([]);
    expect(db.inTransaction).toBe(false);
    db.close();
  });

  it('compiles each parameterized SQL text once, dropping the least recently used', () => {
    const { compiled, db } = recording();
    const statements = new ReusingStatements(db, { size: 2, chars: 1000 });
    const first = statements.prepare('select ?');
    expect(statements.prepare('select ?')).toBe(first);
    statements.prepare('select ?, 2');
    statements.prepare('select ?'); // now the most recent
    statements.prepare('select ?, 3'); // evicts "select ?, 2", the least recently used
    statements.prepare('select ?');
    statements.prepare('select ?, 2');
    expect(compiled).toEqual(['select ?', 'select ?, 2', 'select ?, 3', 'select ?, 2']);
  });

  it('keeps no more SQL text than its budget', () => {
    const { compiled, db } = recording();
    const statements = new ReusingStatements(db, { size: 100, chars: 10 });
    statements.prepare('aaa?'); // 4
    statements.prepare('bbb?'); // 8
    statements.prepare('aaa?'); // hit: now the most recent
    statements.prepare('ccc?'); // 12 > 10: drops "bbb?"
    statements.prepare(`${'x'.repeat(10)}?`); // over the budget alone: never kept
    statements.prepare(`${'x'.repeat(10)}?`);
    statements.prepare('aaa?');
    statements.prepare('ccc?');
    statements.prepare('bbb?');
    const long = `${'x'.repeat(10)}?`;
    expect(compiled).toEqual(['aaa?', 'bbb?', 'ccc?', long, long, 'bbb?']);
  });

  it('does not keep statements with the values written into them (the ORM writes those)', () => {
    const { compiled, db } = recording();
    const statements = new ReusingStatements(db);
    statements.prepare("insert into t values (1, 'a')");
    statements.prepare("insert into t values (1, 'a')");
    expect(compiled).toHaveLength(2);
  });

  it('closes the connection it wraps', () => {
    const { closed, db } = recording();
    new ReusingStatements(db).close();
    expect(closed).toHaveBeenCalledTimes(1);
  });

  it('gives a real connection statements that keep working, also across a schema change', () => {
    const db = new ReusingStatements(new Database(':memory:'));
    try {
      db.prepare('create table t (a integer)').run([]);
      db.prepare('insert into t (a) values (?)').run([1]);
      db.prepare('insert into t (a) values (?)').run([2]);
      const select = 'select * from t where a > ? order by a';
      expect(db.prepare(select).all([0])).toEqual([{ a: 1 }, { a: 2 }]);
      db.prepare('alter table t add column b text').run([]);
      expect(db.prepare(select).all([0])).toEqual([
        { a: 1, b: null },
        { a: 2, b: null },
      ]);
    } finally {
      db.close();
    }
  });
});
