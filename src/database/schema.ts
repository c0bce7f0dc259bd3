import type { InferKyselyDB } from '@mikro-orm/sql';
import type { AuthSessionSchema } from '../auth/entities/auth-session.entity';
import type { RefreshTokenSchema } from '../auth/entities/refresh-token.entity';
import type { PostSchema } from '../posts/entities/post.entity';
import type { UserSchema } from '../users/entities/user.entity';

/**
 * The tables as the read queries see them: table names, column names (`user_id` for
 * `Post.author`) and value types, inferred by MikroORM from the entity definitions. Renaming a
 * property or a column in an entity changes this type, so every query that used the old name
 * stops compiling.
 */
export type Database = InferKyselyDB<
  typeof UserSchema | typeof PostSchema | typeof AuthSessionSchema | typeof RefreshTokenSchema
>;
