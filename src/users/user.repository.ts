import { EntityRepository, type Knex } from '@mikro-orm/knex';
import { runQuery, tableQuery } from '../database/table-query';
import type { User } from './entities/user.entity';

/** A user as reads return it: plain data, never the password hash. */
export interface UserView {
  id: number;
  username: string;
  email: string;
}

export const USER_ORDERS = ['id', '-id', 'username', '-username'] as const;
export type UserOrder = (typeof USER_ORDERS)[number];

/** Where a page starts: after the user with this sort value and id. */
export type UserPosition = [sortValue: string | number, id: number];

/** Whether an order sorts by username (else by id). */
export function sortsByUsername(order: UserOrder): boolean {
  return order.endsWith('username');
}

/** A user's position in `order`: its sort value, then its id. */
export function positionOf(order: UserOrder, user: UserView): UserPosition {
  return [sortsByUsername(order) ? user.username : user.id, user.id];
}

export class UserRepository extends EntityRepository<User> {
  /** Every user, in one of the orders the tutorial shows (by id, or by username either way). */
  findAllOrdered(order: UserOrder = 'id'): Promise<User[]> {
    return this.findAll({ orderBy: orderBy(order) });
  }

  /** One user, or undefined. */
  async findView(id: number): Promise<UserView | undefined> {
    return this.run<UserView | undefined>(this.selectViews().where('id', id).first());
  }

  /**
   * Up to `limit` users after `after` in `order` (keyset pagination: the position is a
   * condition on the sort columns, so every page costs the same as the first).
   */
  async findViewPage(order: UserOrder, limit: number, after?: UserPosition): Promise<UserView[]> {
    const dir = direction(order);
    // Ties (none today: usernames are unique) are broken by id, so the order is total.
    const columns = sortsByUsername(order) ? ['username', 'id'] : ['id'];
    let query = this.selectViews()
      .orderBy(columns.map((column) => ({ column, order: dir })))
      .limit(limit);
    if (after) {
      const [value, id] = after;
      const past = dir === 'desc' ? '<' : '>';
      query = sortsByUsername(order)
        ? // (username, id) past (value, id), written so that an index range on username applies.
          query
            .where('username', dir === 'desc' ? '<=' : '>=', value)
            .andWhere((q) => void q.where('username', past, value).orWhere('id', past, id))
        : query.where('id', past, id);
    }
    return this.run<UserView[]>(query);
  }

  private run<T>(query: Knex.QueryBuilder): Promise<T> {
    return runQuery<T>(this.getEntityManager(), query);
  }

  private selectViews(): Knex.QueryBuilder {
    return tableQuery(this.getEntityManager(), 'user').select('id', 'username', 'email');
  }
}

function direction(order: UserOrder): 'asc' | 'desc' {
  return order.startsWith('-') ? 'desc' : 'asc';
}

function orderBy(order: UserOrder) {
  const dir = direction(order);
  return sortsByUsername(order) ? { username: dir, id: dir } : { id: dir };
}
