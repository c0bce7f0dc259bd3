import { sql, type Kysely } from 'kysely';
import { BODY_MAX_LENGTH } from '../../posts/entities/post.entity';
import { EMAIL_MAX_LENGTH, USERNAME_MAX_LENGTH } from '../../users/entities/user.entity';

/** The tutorial's two tables as its models declare them: every column but the ids nullable. */
export interface TutorialDatabase {
  user: { id: number; username: string | null; email: string | null; password_hash: string | null };
  post: {
    id: number;
    body: string | null;
    timestamp: string | Date | null;
    user_id: number | null;
  };
}

/** Rows that break one of this project's rules. */
export interface RowProblem {
  table: 'user' | 'post';
  ids: number[];
  rule: string;
}

/** How many ids a problem lists before it says "and N more". */
const SHOWN_IDS = 20;

export function describeProblem({ table, ids, rule }: RowProblem): string {
  const shown = ids.slice(0, SHOWN_IDS).join(', ');
  const more = ids.length > SHOWN_IDS ? ` and ${ids.length - SHOWN_IDS} more` : '';
  return `${table} ${shown}${more}: ${rule}`;
}

/**
 * A timestamp as SQLAlchemy writes `DateTime` columns on SQLite, `YYYY-MM-DD HH:MM:SS.ffffff`
 * (the tutorial's are UTC), in milliseconds since the epoch, rounded to the nearest one as
 * PostgreSQL rounds `timestamptz(3)`; undefined when the text is not such a date.
 */
export function parseSqlAlchemyTimestamp(text: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(text);
  if (!match) {
    return undefined;
  }
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const micros = Number((match[7] ?? '').padEnd(6, '0'));
  const seconds = Date.UTC(year, month - 1, day, hour, minute, second);
  const date = new Date(seconds);
  if (
    Number.isNaN(seconds) ||
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return undefined; // 2026-02-30 and the like: Date.UTC would roll it over silently
  }
  return seconds + Math.round(micros / 1000);
}

/**
 * Every row that this project could not take as it is, by rule: NULL where it needs a value,
 * values longer than its columns, emails that differ only in letter case (it stores them in
 * lower case, uniquely), posts whose user is missing, and (on SQLite, where timestamps are
 * text) timestamps that are not dates.
 */
export async function findRowProblems(
  db: Kysely<TutorialDatabase>,
  timestampsAreText: boolean,
): Promise<RowProblem[]> {
  const problems: RowProblem[] = [];
  const add = (table: RowProblem['table'], ids: number[], rule: string) => {
    if (ids.length > 0) {
      problems.push({ table, ids, rule });
    }
  };
  const ids = async (query: Promise<{ id: number }[]>) => (await query).map((row) => row.id);

  for (const [table, column] of [
    ['user', 'username'],
    ['user', 'email'],
    ['post', 'body'],
    ['post', 'user_id'],
    ['post', 'timestamp'],
  ] as const) {
    add(
      table,
      await ids(
        db
          .selectFrom(table)
          .select('id')
          .where(sql.ref(column), 'is', null)
          .orderBy('id')
          .execute(),
      ),
      `${column} is NULL; this project requires a value`,
    );
  }
  for (const [table, column, max] of [
    ['user', 'username', USERNAME_MAX_LENGTH],
    ['user', 'email', EMAIL_MAX_LENGTH],
    ['post', 'body', BODY_MAX_LENGTH],
  ] as const) {
    add(
      table,
      await ids(
        db
          .selectFrom(table)
          .select('id')
          .where(sql`length(${sql.ref(column)})`, '>', max)
          .orderBy('id')
          .execute(),
      ),
      `${column} is longer than ${max} characters`,
    );
  }

  const byEmail = new Map<string, number[]>();
  for (const { id, email } of await db
    .selectFrom('user')
    .select(['id', 'email'])
    .where('email', 'is not', null)
    .orderBy('id')
    .execute()) {
    const key = email!.toLowerCase();
    byEmail.set(key, [...(byEmail.get(key) ?? []), id]);
  }
  for (const [email, users] of byEmail) {
    add('user', users.length > 1 ? users : [], `emails differ only in letter case (${email})`);
  }

  add(
    'post',
    await ids(
      db
        .selectFrom('post as p')
        .leftJoin('user as u', 'u.id', 'p.user_id')
        .select('p.id')
        .where('p.user_id', 'is not', null)
        .where('u.id', 'is', null)
        .orderBy('p.id')
        .execute(),
    ),
    'user_id refers to no user',
  );

  if (timestampsAreText) {
    const bad = (
      await db
        .selectFrom('post')
        .select(['id', 'timestamp'])
        .where('timestamp', 'is not', null)
        .orderBy('id')
        .execute()
    ).filter(({ timestamp }) => parseSqlAlchemyTimestamp(String(timestamp)) === undefined);
    add(
      'post',
      bad.map((row) => row.id),
      'timestamp is not a date as SQLAlchemy writes it (YYYY-MM-DD HH:MM:SS.ffffff)',
    );
  }
  return problems;
}
