import type { FilterQuery } from '@mikro-orm/core';
import { EntityRepository } from '@mikro-orm/knex';
import type { User } from './entities/user.entity';

export const USER_ORDERS = ['id', '-id', 'username', '-username'] as const;
export type UserOrder = (typeof USER_ORDERS)[number];

/** Where a page starts: after the user with this sort value and id. */
export type UserPosition = [sortValue: string | number, id: number];

/** Whether an order sorts by username (else by id). */
export function sortsByUsername(order: UserOrder): boolean {
  return order.endsWith('username');
}

/** A user's position in `order`: its sort value, then its id. */
export function positionOf(order: UserOrder, user: User): UserPosition {
  return [sortsByUsername(order) ? user.username : user.id, user.id];
}

export class UserRepository extends EntityRepository<User> {
  /** Every user, in one of the orders the tutorial shows (by id, or by username either way). */
  findAllOrdered(order: UserOrder = 'id'): Promise<User[]> {
    return this.findAll({ orderBy: orderBy(order) });
  }

  /**
   * Up to `limit` users after `after` in `order` (keyset pagination: the position is a
   * condition on the sort columns, so every page costs the same as the first).
   */
  findPage(order: UserOrder, limit: number, after?: UserPosition): Promise<User[]> {
    return this.find(after ? afterPosition(order, after) : {}, {
      orderBy: orderBy(order),
      limit,
    });
  }
}

function direction(order: UserOrder): 'asc' | 'desc' {
  return order.startsWith('-') ? 'desc' : 'asc';
}

function orderBy(order: UserOrder) {
  const dir = direction(order);
  // Ties (none today: usernames are unique) are broken by id, so the order is total.
  return sortsByUsername(order) ? { username: dir, id: dir } : { id: dir };
}

function afterPosition(order: UserOrder, [value, id]: UserPosition): FilterQuery<User> {
  const desc = direction(order) === 'desc';
  const past = desc ? '$lt' : '$gt';
  if (!sortsByUsername(order)) {
    return { id: { [past]: id } };
  }
  // (username, id) past (value, id), written so that an index range on username applies.
  return {
    username: { [desc ? '$lte' : '$gte']: value as string },
    $or: [{ username: { [past]: value as string } }, { id: { [past]: id } }],
  };
}
