import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrors } from '../common/errors/api-errors.decorator';
import { RateLimited } from '../common/rate-limit/rate-limit';
import { AuthService } from './auth.service';
import { CurrentUser } from './current-user.decorator';
import { LoginDto } from './dto/login.dto';
import { RefreshTokenDto } from './dto/refresh-token.dto';
import { TokenResponse } from './dto/token.response';
import { Public } from './public.decorator';
import type { Principal } from './session.queries';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('login')
  @Public()
  @RateLimited('login')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Sign in',
    description:
      'With a username or an email and the password. Rate-limited per client address and per ' +
      'account: `LOGIN_RATE_LIMIT` attempts per `LOGIN_RATE_WINDOW` seconds.',
  })
  @ApiOkResponse({ type: TokenResponse, description: 'Signed in: a new session and its tokens' })
  @ApiErrors(400, [401, 'login or password is incorrect'], 413, 415, 429, 503)
  login(@Body() { login, password }: LoginDto): Promise<TokenResponse> {
    return this.auth.login(login, password);
  }

  @Post('refresh')
  @Public()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Exchange a refresh token for new tokens',
    description:
      'Every use rotates the refresh token. Presenting one that was already used ends its ' +
      'whole session.',
  })
  @ApiOkResponse({
    type: TokenResponse,
    description: 'New tokens; the refresh token presented is used up',
  })
  @ApiErrors(400, [401, 'refreshToken is invalid, expired or already used'], 413, 415, 503)
  refresh(@Body() { refreshToken }: RefreshTokenDto): Promise<TokenResponse> {
    return this.auth.refresh(refreshToken);
  }

  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Sign out: end the session of this refresh token',
    description:
      'The refresh token must belong to a session of the signed-in user (403 otherwise); the ' +
      'access tokens of that session stop working at once. A token that names no live session ' +
      'ends nothing.',
  })
  @ApiNoContentResponse({ description: 'The session has ended (or there was none to end)' })
  @ApiErrors(400, 401, [403, 'refreshToken belongs to a session of another user'], 413, 415, 503)
  async logout(
    @CurrentUser() principal: Principal,
    @Body() { refreshToken }: RefreshTokenDto,
  ): Promise<void> {
    await this.auth.logout(principal, refreshToken);
  }

  @Post('logout-all')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Sign out everywhere: end every session of the signed-in user',
    description: 'Takes no body (a body sent anyway must be a JSON object).',
  })
  @ApiNoContentResponse({ description: 'Every session has ended, this one included' })
  @ApiErrors(400, 401, 413, 415, 503)
  async logoutEverywhere(@CurrentUser() principal: Principal): Promise<void> {
    await this.auth.logoutEverywhere(principal.id);
  }
}
