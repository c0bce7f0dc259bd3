import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../database/project-root';
import { Environment, validateEnvironment } from './environment';

describe('.env.example', () => {
  const text = readFileSync(join(PROJECT_ROOT, '.env.example'), 'utf8');
  const documented = [...text.matchAll(/^# ([A-Z_]+)=(.*)$/gm)].map(([, name, value]) => ({
    name,
    value,
  }));

  it('documents every variable the app reads', () => {
    const names = Object.keys(validateEnvironment({})).concat(
      'DATABASE_URL',
      'TRUST_PROXY',
      'JWT_SECRET',
      'REDIS_URL',
      'DATABASE_REPLICA_URLS',
    );
    expect([...new Set(documented.map((d) => d.name))].sort()).toEqual([...new Set(names)].sort());
    expect(Object.keys(new Environment()).every((name) => names.includes(name))).toBe(true);
  });

  it('holds only values the app accepts', () => {
    // Replicas are replicas of a PostgreSQL primary.
    const context: Record<string, Record<string, string>> = {
      DATABASE_REPLICA_URLS: { DATABASE_URL: 'postgresql://user:password@10.0.0.1:5432/microblog' },
    };
    for (const { name, value } of documented) {
      expect(() => validateEnvironment({ ...context[name], [name]: value })).not.toThrow();
    }
  });
});
