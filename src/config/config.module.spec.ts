import type * as NestConfig from '@nestjs/config';
import type * as NestTesting from '@nestjs/testing';
import type * as ConfigModuleFile from './config.module';

describe('AppConfigModule', () => {
  const saved = { ...process.env };

  afterEach(() => {
    process.env = { ...saved };
  });

  /** A fresh copy of the module (it reads the environment when it is first loaded). */
  async function configWith(env: Record<string, string>): Promise<NestConfig.ConfigService> {
    Object.assign(process.env, env);
    let loading: Promise<NestConfig.ConfigService> | undefined;
    jest.isolateModules(() => {
      const { AppConfigModule } = jest.requireActual<typeof ConfigModuleFile>('./config.module');
      const { ConfigService } = jest.requireActual<typeof NestConfig>('@nestjs/config');
      const { Test } = jest.requireActual<typeof NestTesting>('@nestjs/testing');
      loading = Test.createTestingModule({ imports: [AppConfigModule] })
        .compile()
        .then((moduleRef) => moduleRef.get(ConfigService));
    });
    return loading!;
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
