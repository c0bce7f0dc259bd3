import { Injectable } from '@nestjs/common';
import { ReadQueries, type SortDirection } from '../database/read-queries';

/** A user as anyone may see them: no email, never the password hash. */
export interface UserView {
  id: number;
  username: string;
}

/** A user's own account, as only they see it. */
export interface AccountView extends UserView {
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

/** The user reads. */
@Injectable()
export class UserQueries extends ReadQueries {
  /** One user, or undefined. */
  findView(id: number): Promise<UserView | undefined> {
    return this.selectViews().where('id', '=', id).executeTakeFirst();
  }

  /** One user's account (with the email), or undefined. */
  findAccount(id: number): Promise<AccountView | undefined> {
    return this.db
      .selectFrom('user')
      .select(['id', 'username', 'email'])
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /**
   * Up to `limit` users after `after` in `order`, by id or by username (served by the primary
   * key or `ix_user_username`). Usernames are unique, but ties would be broken by id anyway, so
   * the order is total.
   */
  findViewPage(order: UserOrder, limit: number, after?: UserPosition): Promise<UserView[]> {
    const direction: SortDirection = order.startsWith('-') ? 'desc' : 'asc';
    let query = this.selectViews().limit(limit);
    if (sortsByUsername(order)) {
      query = query.orderBy('username', direction).orderBy('id', direction);
      if (after) {
        query = query.where((eb) => this.after(eb, direction, ['username', 'id'], after));
      }
    } else {
      query = query.orderBy('id', direction);
      if (after) {
        query = query.where((eb) => this.after(eb, direction, ['id'], [after[1]]));
      }
    }
    return query.execute();
  }

  private selectViews() {
    return this.db.selectFrom('user').select(['id', 'username']);
  }
}
