import type { EntityManager, Platform } from '@mikro-orm/core';
import {
  AliasNode,
  IdentifierNode,
  ReferenceNode,
  SelectAllNode,
  SelectQueryNode,
  TableNode,
  type KyselyPlugin,
  type OperationNode,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryId,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely';

/** Turns a date column's value, as the driver returns it, into a `Date`. */
type DateParser = (value: unknown) => unknown;

/**
 * Gives the read queries their values the way the entities hold them: every column that maps
 * to a `Date` property comes back as a `Date`, whatever the driver returns (SQLite stores
 * milliseconds, MySQL/MariaDB return UTC text), and `Date` parameters are bound as the ORM
 * binds them (`parameterOf`).
 *
 * MikroORM's own `MikroKyselyPlugin` does this and much more (renaming, hooks) by rewriting
 * every query; on a page of 20 posts it cost twice the query itself. This one reads the
 * query's selections once and rewrites nothing: it only knows which output columns are dates,
 * from the entities' metadata.
 */
export class EntityValuesPlugin implements KyselyPlugin {
  /** table name -> date column -> parser. */
  private readonly dateColumns = new Map<string, Map<string, DateParser>>();
  /** What to convert in each query's result, by query id. */
  private readonly pending = new WeakMap<QueryId, Map<string, DateParser>>();
  private readonly platform: Platform;

  constructor(em: EntityManager) {
    this.platform = em.getPlatform();
    for (const meta of em.getMetadata().getAll().values()) {
      const dates = new Map<string, DateParser>();
      for (const prop of meta.props) {
        if (prop.runtimeType === 'Date' && prop.fieldNames?.length === 1) {
          dates.set(prop.fieldNames[0], (value) => this.parseDate(value));
        }
      }
      if (dates.size > 0) {
        this.dateColumns.set(meta.tableName, dates);
      }
    }
  }

  /** A parameter as the ORM binds it: a `Date` in the platform's form (SQLite: milliseconds). */
  parameterOf(value: unknown): unknown {
    return value instanceof Date ? this.platform.processDateProperty(value) : value;
  }

  transformQuery({ node, queryId }: PluginTransformQueryArgs): RootOperationNode {
    if (SelectQueryNode.is(node) && this.dateColumns.size > 0) {
      const converters = this.dateOutputs(node);
      if (converters.size > 0) {
        this.pending.set(queryId, converters);
      }
    }
    return node;
  }

  transformResult({
    result,
    queryId,
  }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const converters = this.pending.get(queryId);
    if (converters) {
      this.pending.delete(queryId);
      for (const row of result.rows) {
        for (const [column, parse] of converters) {
          if (row[column] != null) {
            row[column] = parse(row[column]);
          }
        }
      }
    }
    return Promise.resolve(result);
  }

  /** The output columns of a select that hold a date column, and how to parse each. */
  private dateOutputs(node: SelectQueryNode): Map<string, DateParser> {
    const tables = new Map<string, string>(); // name or alias -> table name
    for (const from of [...(node.from?.froms ?? []), ...(node.joins ?? []).map((j) => j.table)]) {
      const source = tableOf(from);
      if (source) {
        tables.set(source.alias ?? source.table, source.table);
      }
    }
    const outputs = new Map<string, DateParser>();
    for (const { selection } of node.selections ?? []) {
      const aliased = AliasNode.is(selection) ? selection : undefined;
      const reference = aliased ? aliased.node : selection;
      if (SelectAllNode.is(reference)) {
        for (const table of tables.values()) {
          for (const [column, parse] of this.dateColumns.get(table) ?? []) {
            outputs.set(column, parse);
          }
        }
        continue;
      }
      if (!ReferenceNode.is(reference)) {
        continue;
      }
      const owners = reference.table
        ? [tables.get(reference.table.table.identifier.name)]
        : [...tables.values()];
      if (SelectAllNode.is(reference.column)) {
        for (const [column, parse] of this.dateColumns.get(owners[0] ?? '') ?? []) {
          outputs.set(column, parse);
        }
        continue;
      }
      const column = reference.column.column.name;
      const parse = owners
        .map((table) => this.dateColumns.get(table ?? '')?.get(column))
        .find(Boolean);
      if (parse) {
        const output = aliased && IdentifierNode.is(aliased.alias) ? aliased.alias.name : column;
        outputs.set(output, parse);
      }
    }
    return outputs;
  }

  /** As MikroORM maps a `Date` property's value (see its EntityComparator). */
  private parseDate(value: unknown): unknown {
    if (value instanceof Date || typeof value === 'number') {
      return value instanceof Date ? value : new Date(value);
    }
    const text = String(value);
    const zone = this.platform.getTimezone();
    const hasZone = text.includes('+') || text.lastIndexOf('-') > 10 || text.endsWith('Z');
    return this.platform.parseDate(!zone || zone === 'local' || hasZone ? text : text + zone);
  }
}

/** The table (and its alias) a FROM or JOIN item reads, when it is a plain table. */
function tableOf(node: OperationNode): { table: string; alias?: string } | undefined {
  if (TableNode.is(node)) {
    return { table: node.table.identifier.name };
  }
  if (AliasNode.is(node) && TableNode.is(node.node) && IdentifierNode.is(node.alias)) {
    return { table: node.node.table.identifier.name, alias: node.alias.name };
  }
  return undefined;
}
