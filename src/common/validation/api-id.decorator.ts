import { ApiParam, ApiProperty, type HeaderObject, type SchemaObject } from '@nestjs/swagger';
import { MAX_ID } from './parse-id.pipe';

/**
 * The OpenAPI schema of every id, in paths, bodies and responses alike: a positive 32-bit
 * integer, as `ParseIdPipe` accepts it and an `integer` column holds it. (A `number` would let
 * generated clients and contract-testing tools send `1.5` or `-7`.)
 */
export const ID_SCHEMA = {
  type: 'integer',
  format: 'int32',
  minimum: 1,
  maximum: MAX_ID,
} as const satisfies SchemaObject;

/** Documents a property holding an id. */
export const ApiIdProperty = (description?: string): PropertyDecorator =>
  ApiProperty({ ...ID_SCHEMA, example: 1, ...(description && { description }) });

/** Documents the path parameter `:id` that `ParseIdPipe` reads. */
export const ApiIdParam = (description: string): MethodDecorator & ClassDecorator =>
  ApiParam({ name: 'id', description, schema: { ...ID_SCHEMA, example: 1 } });

/** The `Location` header of a 201: the path of what was created, `/<collection>/<id>`. */
export function locationHeader(collection: 'users' | 'posts'): HeaderObject {
  const prefix = `/${collection}/`;
  return {
    description: `The path of the new ${collection === 'users' ? 'user' : 'post'}`,
    schema: {
      type: 'string',
      format: 'uri-reference',
      maxLength: prefix.length + String(MAX_ID).length,
      pattern: `^/${collection}/[1-9][0-9]*$`,
    },
    example: `${prefix}1`,
  };
}
