import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'microblog:public';

/** Anyone may call this handler (or every handler of this controller): no token needed. */
export const Public = () => SetMetadata(IS_PUBLIC, true);
