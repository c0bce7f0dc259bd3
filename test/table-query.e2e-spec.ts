import { MikroORM, RequestContext } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { Post } from '../src/posts/entities/post.entity';
import { useMigratedApp } from './support/test-app';
import { describeEachDatabase } from './support/test-database';

/** Plain-row queries raise the ORM's exceptions, so the error filter answers them as usual. */
describeEachDatabase('plain-row queries', (kind) => {
  const ctx = useMigratedApp(kind);

  it('turn a foreign key violation into ForeignKeyConstraintViolationException (a 422)', async () => {
    const orm = ctx.app.get(MikroORM);
    const insert = RequestContext.create(orm.em, () =>
      (orm.em as SqlEntityManager).getRepository(Post).insertRow('orphan', new Date(), 999_999),
    );
    await expect(insert).rejects.toMatchObject({ name: 'ForeignKeyConstraintViolationException' });
  });
});
