import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiSecurity } from '@nestjs/swagger';

export const IS_PUBLIC = 'microblog:public';

/**
 * Anyone may call this handler (or every handler of this controller): no token needed. The
 * OpenAPI document says so too, with an explicit empty security requirement (`security: [{}]`),
 * while every other operation declares the bearer scheme (`@ApiBearerAuth()`).
 */
export const Public = () => applyDecorators(SetMetadata(IS_PUBLIC, true), ApiSecurity({}));
