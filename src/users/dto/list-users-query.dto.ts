import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { USER_ORDERS, type UserOrder } from '../user.queries';

export class ListUsersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: USER_ORDERS, default: 'id', description: '"-" for descending' })
  @IsOptional()
  @IsIn(USER_ORDERS, { message: `sort must be one of ${USER_ORDERS.join(', ')}` })
  sort: UserOrder = 'id';
}
