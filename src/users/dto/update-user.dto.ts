import { PartialType } from '@nestjs/swagger';
import { CreateUserDto } from './create-user.dto';

/** Every field optional; `null` is not "absent" but an invalid value (400). */
export class UpdateUserDto extends PartialType(CreateUserDto, { skipNullProperties: false }) {}
