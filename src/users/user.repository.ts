import { EntityRepository } from '@mikro-orm/knex';
import type { User } from './entities/user.entity';

export type UserOrder = 'id' | '-id' | 'username' | '-username';

export class UserRepository extends EntityRepository<User> {
  /** Every user, in one of the orders the tutorial shows (by id, or by username either way). */
  findAllOrdered(order: UserOrder = 'id'): Promise<User[]> {
    const desc = order.startsWith('-');
    const field = desc ? order.slice(1) : order;
    const direction = desc ? 'desc' : 'asc';
    return this.findAll({
      orderBy: field === 'id' ? { id: direction } : { username: direction, id: direction },
    });
  }
}
