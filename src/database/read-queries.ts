import { Inject } from '@nestjs/common';
import type {
  Expression,
  ExpressionBuilder,
  OperandValueExpressionOrList,
  ReferenceExpression,
  SqlBool,
} from 'kysely';
import type { QueryDatabase } from './query-database';

/** The injection token of the one `QueryDatabase` (see `DatabaseModule`). */
export const QUERY_DATABASE = Symbol('QUERY_DATABASE');

export type SortDirection = 'asc' | 'desc';

/**
 * The base of each feature's read queries (`posts/post.queries.ts`, `users/user.queries.ts`):
 * reads that return plain rows instead of managed entities, because a GET has nothing to flush
 * and loading a page as entities costs several times the query itself.
 *
 * Everything that makes such a query safe is in `QueryDatabase` (`this.db`): it runs on the
 * request's connection and transaction, converts every driver error the way the ORM does, takes
 * its names from the entities and converts values from their metadata. Subclasses only say what
 * to select and how a row becomes a view. Writes do not belong here: they go through entities
 * and the unit of work.
 */
export abstract class ReadQueries {
  constructor(@Inject(QUERY_DATABASE) protected readonly db: QueryDatabase) {}

  /**
   * The keyset condition: rows strictly after `position` in an order by `keys` (a sort column
   * and, to break ties, the id; or the id alone), all in `direction`. Written as
   * `sort >= v and (sort > v or id > i)` (or `<`, descending), so that an index range on the
   * sort column applies and page 500 costs what page 1 does.
   */
  protected after<DB, TB extends keyof DB, RE extends ReferenceExpression<DB, TB>>(
    eb: ExpressionBuilder<DB, TB>,
    direction: SortDirection,
    keys: readonly [sort: RE, id: RE] | readonly [id: RE],
    position: readonly OperandValueExpressionOrList<DB, TB, RE>[],
  ): Expression<SqlBool> {
    const past = direction === 'desc' ? '<' : '>';
    if (keys.length === 1) {
      return eb(keys[0], past, position[0]);
    }
    const [sort, id] = keys;
    const [value, lastId] = position;
    return eb.and([
      eb(sort, direction === 'desc' ? '<=' : '>=', value),
      eb.or([eb(sort, past, value), eb(id, past, lastId)]),
    ]);
  }
}
