import Database from 'better-sqlite3';
import { cachePreparedStatements } from './statement-cache';

describe('cachePreparedStatements', () => {
  it('compiles each SQL text once and reuses the statement', () => {
    const compiled: string[] = [];
    const connection = { prepare: (sql: string) => (compiled.push(sql), { sql }) };
    cachePreparedStatements(connection, { size: 2 });
    const first = connection.prepare('select 1');
    expect(connection.prepare('select 1')).toBe(first);
    connection.prepare('select 2');
    connection.prepare('select 1'); // now the most recent
    connection.prepare('select 3'); // evicts "select 2", the least recently used
    connection.prepare('select 1');
    connection.prepare('select 2');
    expect(compiled).toEqual(['select 1', 'select 2', 'select 3', 'select 2']);
  });

  it('keeps no more SQL text than its budget, dropping the least recently used', () => {
    const compiled: string[] = [];
    const connection = { prepare: (sql: string) => (compiled.push(sql), { sql }) };
    cachePreparedStatements(connection, { chars: 10 });
    connection.prepare('aaaa'); // 4
    connection.prepare('bbbb'); // 8
    connection.prepare('aaaa'); // hit: now the most recent
    connection.prepare('cccc'); // 12 > 10: drops "bbbb"
    connection.prepare('x'.repeat(11)); // over the budget alone: never kept
    connection.prepare('x'.repeat(11));
    connection.prepare('aaaa');
    connection.prepare('cccc');
    connection.prepare('bbbb');
    expect(compiled).toEqual(['aaaa', 'bbbb', 'cccc', 'x'.repeat(11), 'x'.repeat(11), 'bbbb']);
  });

  it('gives a real connection statements that keep working, also across a schema change', () => {
    const db = new Database(':memory:');
    cachePreparedStatements(db);
    db.prepare('create table t (a integer)').run();
    db.prepare('insert into t (a) values (?)').run(1);
    db.prepare('insert into t (a) values (?)').run(2);
    expect(db.prepare('select * from t order by a').all()).toEqual([{ a: 1 }, { a: 2 }]);
    db.prepare('alter table t add column b text').run();
    expect(db.prepare('select * from t order by a').all()).toEqual([
      { a: 1, b: null },
      { a: 2, b: null },
    ]);
    db.close();
  });
});
