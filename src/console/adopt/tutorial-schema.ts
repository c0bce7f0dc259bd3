import type { DatabaseTable } from '@mikro-orm/sql';

/** Tables a database made by the tutorial holds besides its own two, and what becomes of them. */
export const ALEMBIC_TABLE = 'alembic_version';
export const MIKRO_ORM_TABLE = 'mikro_orm_migrations';

/** A column as the tutorial's models declare it. */
interface TutorialColumn {
  name: string;
  /** The type as SQLite and PostgreSQL report it (lower case), any of them. */
  types: string[];
  primary?: boolean;
}

/** An index as the tutorial's models make it. */
interface TutorialIndex {
  name: string;
  columns: string[];
  unique: boolean;
}

interface TutorialTable {
  name: 'user' | 'post';
  columns: TutorialColumn[];
  indexes: TutorialIndex[];
  foreignKeys: { columns: string[]; references: string; referencedColumns: string[] }[];
}

const INTEGER = ['integer', 'int4'];

/**
 * The schema of the Flask Mega-Tutorial's database chapter, as its two Flask-Migrate migrations
 * ("users table", "posts table") build it: the same table, column and index names, types and
 * lengths. Matched by shape, never by Alembic revision id (every reader's ids differ).
 */
export const TUTORIAL_TABLES: TutorialTable[] = [
  {
    name: 'user',
    columns: [
      { name: 'id', types: INTEGER, primary: true },
      { name: 'username', types: ['varchar(64)'] },
      { name: 'email', types: ['varchar(120)'] },
      { name: 'password_hash', types: ['varchar(128)'] },
    ],
    indexes: [
      { name: 'ix_user_username', columns: ['username'], unique: true },
      { name: 'ix_user_email', columns: ['email'], unique: true },
    ],
    foreignKeys: [],
  },
  {
    name: 'post',
    columns: [
      { name: 'id', types: INTEGER, primary: true },
      { name: 'body', types: ['varchar(140)'] },
      // SQLite: DATETIME (text); PostgreSQL: timestamp without time zone.
      { name: 'timestamp', types: ['datetime', 'timestamp(6)', 'timestamp'] },
      { name: 'user_id', types: INTEGER },
    ],
    indexes: [{ name: 'ix_post_timestamp', columns: ['timestamp'], unique: false }],
    foreignKeys: [{ columns: ['user_id'], references: 'user', referencedColumns: ['id'] }],
  },
];

/** What the inspection found of the tutorial's schema in a database. */
export interface SchemaFindings {
  /** Differences that stop the adoption. */
  problems: string[];
  /** Columns the tutorial's later chapters add (nullable): kept as they are, and reported. */
  extraColumns: { table: string; name: string; type: string }[];
  /** Indexes the later chapters add to user and post (`ix_user_token`): kept, and reported. */
  extraIndexes: { table: string; name: string; columns: string[]; unique: boolean }[];
  /** Foreign keys on user and post besides post.user_id's, by name. */
  extraForeignKeys: { table: string; name: string }[];
  /** Tables neither the tutorial's two nor this project's: kept as they are, and reported. */
  extraTables: string[];
  /** The foreign key of post.user_id, by the name the database gave it. */
  postForeignKey?: string;
}

/** Compares the tables found with the tutorial's; `tables` holds every table of the database. */
export function compareWithTutorial(tables: DatabaseTable[]): SchemaFindings {
  const found = new Map(tables.map((table) => [table.name, table]));
  const findings: SchemaFindings = {
    problems: [],
    extraColumns: [],
    extraIndexes: [],
    extraForeignKeys: [],
    extraTables: [],
  };
  for (const expected of TUTORIAL_TABLES) {
    const table = found.get(expected.name);
    if (!table) {
      findings.problems.push(`table ${expected.name} is missing`);
      continue;
    }
    compareTable(expected, table, findings);
  }
  const known = new Set<string>([
    ...TUTORIAL_TABLES.map((t) => t.name),
    ALEMBIC_TABLE,
    MIKRO_ORM_TABLE,
  ]);
  findings.extraTables = tables
    .map((t) => t.name)
    .filter((name) => !known.has(name))
    .sort();
  return findings;
}

function compareTable(expected: TutorialTable, table: DatabaseTable, findings: SchemaFindings) {
  const columns = new Map(table.getColumns().map((column) => [column.name, column]));
  for (const column of expected.columns) {
    const actual = columns.get(column.name);
    if (!actual) {
      findings.problems.push(`column ${expected.name}.${column.name} is missing`);
      continue;
    }
    const type = actual.type.toLowerCase();
    if (!column.types.includes(type)) {
      findings.problems.push(
        `column ${expected.name}.${column.name} is ${type}, not ${column.types[0]} as in the tutorial`,
      );
    }
    if (Boolean(column.primary) !== Boolean(actual.primary)) {
      findings.problems.push(
        `column ${expected.name}.${column.name} ${column.primary ? 'is not' : 'is'} the primary key`,
      );
    }
  }
  const wanted = new Set(expected.columns.map((c) => c.name));
  for (const [name, column] of columns) {
    if (wanted.has(name)) {
      continue;
    }
    if (column.nullable || column.default != null) {
      findings.extraColumns.push({ table: expected.name, name, type: column.type });
    } else {
      findings.problems.push(
        `column ${expected.name}.${name} is NOT NULL without a default: not from the tutorial, ` +
          'and this project would not fill it',
      );
    }
  }
  const indexes = table.getIndexes().filter((index) => !index.primary);
  for (const index of expected.indexes) {
    const actual = indexes.find((i) => i.keyName === index.name);
    if (!actual) {
      findings.problems.push(`index ${index.name} on ${expected.name} is missing`);
    } else if (
      actual.unique !== index.unique ||
      actual.columnNames.join(',') !== index.columns.join(',')
    ) {
      findings.problems.push(
        `index ${index.name} is ${actual.unique ? 'unique ' : ''}on (${actual.columnNames.join(', ')}), ` +
          `not ${index.unique ? 'unique ' : ''}on (${index.columns.join(', ')}) as in the tutorial`,
      );
    }
  }
  const names = new Set(expected.indexes.map((index) => index.name));
  for (const index of indexes) {
    if (!names.has(index.keyName)) {
      findings.extraIndexes.push({
        table: expected.name,
        name: index.keyName,
        columns: index.columnNames,
        unique: index.unique,
      });
    }
  }
  const foreignKeys = Object.values(table.getForeignKeys());
  for (const key of foreignKeys) {
    const isTutorials = expected.foreignKeys.some(
      (fk) => fk.columns.join(',') === key.columnNames.join(','),
    );
    if (!isTutorials) {
      findings.extraForeignKeys.push({ table: expected.name, name: key.constraintName });
    }
  }
  for (const fk of expected.foreignKeys) {
    const actual = foreignKeys.find((key) => key.columnNames.join(',') === fk.columns.join(','));
    const target = actual?.referencedTableName.replace(/^public\./, '');
    if (!actual || target !== fk.references || actual.referencedColumnNames.join(',') !== 'id') {
      findings.problems.push(
        `${expected.name}.${fk.columns.join(', ')} has no foreign key to ${fk.references}.id`,
      );
    } else if (expected.name === 'post') {
      findings.postForeignKey = actual.constraintName;
    }
  }
}
