import type { ConfigService } from '@nestjs/config';

describe('AppConfigModule', () => {
  const saved = { ...process.env };

  afterEach(() => {
    process.env = { ...saved };
  });

  async function configWith(env: Record<string, string>): Promise<ConfigService> {
    Object.assign(process.env, env);
    let config: ConfigService | undefined;
    // A fresh copy of the module: it reads the environment when it is first imported.
    await jest.isolateModulesAsync(async () => {
      const { AppConfigModule } = await import('./config.module');
      const { ConfigService } = await import('@nestjs/config');
      const { Test } = await import('@nestjs/testing');
      const moduleRef = await Test.createTestingModule({ imports: [AppConfigModule] }).compile();
      config = moduleRef.get<ConfigService>(ConfigService);
    });
    return config!;
  }

  it('treats an empty variable as unset instead of handing out the empty string', async () => {
    const config = await configWith({ REDIS_URL: '', DATABASE_REPLICA_URLS: '' });

    expect(config.get('REDIS_URL')).toBeUndefined();
    expect(config.get('DATABASE_REPLICA_URLS')).toBeUndefined();
  });

  it('hands out validated values, converted, with their defaults', async () => {
    const config = await configWith({ REQUEST_TIMEOUT: '2500' });

    expect(config.get('REQUEST_TIMEOUT')).toBe(2500);
    expect(config.get('LOG_LEVEL')).toEqual(expect.any(String));
  });
});
