import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ConfigError, validateConfig } from './load';
import { compileConfig } from './runtime';

const BASE = {
  backends: [{ name: 'b', kind: 'openai', baseUrl: 'http://127.0.0.1:1/v1' }],
  models: [{ name: 'm', backends: [{ backend: 'b' }] }],
};

function problems(raw: Record<string, unknown>): string[] {
  try {
    validateConfig({ ...BASE, ...raw });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((problem) => `${problem.path}: ${problem.message}`);
    throw error;
  }
  return [];
}

describe('admin, jwt and accessProfiles config', () => {
  test('every problem with its path', () => {
    expect(
      problems({
        admin: { token: { env: 'A', file: '/x' }, store: 'disk' },
        jwt: { keys: [{ pem: { env: 'K' }, jwk: { env: 'J' } }], algorithms: ['none'], claims: { team: 'a..b' } },
        accessProfiles: { teams: { research: { models: 'm' } } },
      }),
    ).toEqual([
      'accessProfiles.teams.research.models: Invalid input: expected array, received string',
      'admin.store: Invalid input',
      'admin.token: set exactly one of env or file',
      'jwt.algorithms[0]: Invalid option: expected one of "RS256"|"RS384"|"RS512"|"PS256"|"PS384"|"PS512"|"ES256"|"ES384"|"ES512"|"EdDSA"|"HS256"|"HS384"|"HS512"',
      'jwt.claims.team: must be a claim name or a dotted path such as org.team',
      'jwt.keys[0]: set exactly one of pem or jwk',
    ]);
    expect(problems({ jwt: {} })).toEqual(['jwt.jwksUrl: set jwksUrl or keys']);
  });

  test('defaults: claims, algorithms, tolerance; admin poll 500 ms', () => {
    const config = validateConfig({ ...BASE, admin: { token: { env: 'T' } }, jwt: { jwksUrl: 'https://idp.example/jwks' } });
    expect(config.jwt).toEqual({
      jwksUrl: 'https://idp.example/jwks',
      keys: [],
      algorithms: ['RS256', 'ES256'],
      clockToleranceSeconds: 30,
      jwksCacheSeconds: 600,
      claims: { caller: 'sub', team: 'team', project: 'project', user: 'sub' },
    });
    expect(config.admin).toEqual({ token: { env: 'T' }, pollIntervalMs: 500 });
  });

  test('a Redis password comes from env or a file, never the config; one that cannot be read is a warning naming its path', () => {
    const redis = { url: 'redis://redis.internal:6379', password: { env: 'REDIS_PASSWORD' } };
    const config = validateConfig({ ...BASE, admin: { token: { env: 'T' } }, rateLimits: { store: { redis } } });
    expect(compileConfig(config, { T: 's', REDIS_PASSWORD: 'pw' }).admin?.store).toEqual({ redis: { ...redis, timeoutMs: 50, keyPrefix: 'aigw', cluster: false } });
    expect(compileConfig(config, { T: 's' }).warnings).toContain(
      'rateLimits.store.redis.password: environment variable REDIS_PASSWORD is not set; aigw will not start its Redis store without it',
    );
    expect(() => validateConfig({ ...BASE, rateLimits: { store: { redis: { url: 'redis://h', password: 'inline' } } } })).toThrow(ConfigError);
  });

  test('the admin store defaults to the rate-limit Redis, else memory (with a warning); an unset token is a warning', () => {
    const redis = { url: 'redis://127.0.0.1:6379', timeoutMs: 50, keyPrefix: 'fleet' };
    const shared = compileConfig(validateConfig({ ...BASE, admin: { token: { env: 'T' } }, rateLimits: { store: { redis } } }), { T: 'secret' });
    expect(shared.admin?.store).toEqual({ redis: { ...redis, cluster: false } });
    expect(shared.admin?.token?.reveal()).toBe('secret');
    const own = compileConfig(validateConfig({ ...BASE, admin: { token: { env: 'T' }, store: { redis: { url: 'redis://10.0.0.1:6379' } } }, rateLimits: { store: { redis } } }), { T: 's' });
    expect(own.admin?.store).toEqual({ redis: { url: 'redis://10.0.0.1:6379', timeoutMs: 50, keyPrefix: 'aigw', cluster: false } });
    const memory = compileConfig(validateConfig({ ...BASE, admin: { token: { env: 'T' } } }), {});
    expect(memory.admin?.store).toBe('memory');
    expect(memory.admin?.token).toBeUndefined();
    expect(memory.warnings).toEqual([
      'admin.token: environment variable T is not set; every admin API call will be refused (401 or 403)',
      'admin.store: memory; keys, limits, catalog and profiles changed through the admin API live in this process only and are lost on restart',
    ]);
    expect(compileConfig(validateConfig(BASE), {}).admin).toBeUndefined();
  });

  test('a Redis Cluster store: cluster: true with a seed URL, database 0 only, each problem at its path', () => {
    const cluster = { url: 'rediss://user:pw@node-1.redis:7000', cluster: true };
    const config = compileConfig(validateConfig({ ...BASE, admin: { token: { env: 'T' } }, rateLimits: { store: { redis: cluster } } }), { T: 's' });
    expect(config.admin?.store).toEqual({ redis: { ...cluster, timeoutMs: 50, keyPrefix: 'aigw' } });
    expect(validateConfig({ ...BASE, rateLimits: { store: { redis: { url: 'redis://h:7000/0', cluster: true } } } }).rateLimits?.store).toMatchObject({ redis: { cluster: true } });
    expect(
      problems({
        rateLimits: { store: { redis: { url: 'redis://h:7000/2', cluster: true } } },
        admin: { token: { env: 'T' }, store: { redis: { url: 'redis://h:7000', cluster: 'yes' } } },
      }),
    ).toEqual([
      'admin.store.redis.cluster: Invalid input: expected boolean, received string',
      'rateLimits.store.redis.url: a Redis Cluster has only database 0; remove "/2" from the URL or set cluster: false',
    ]);
    // Without cluster, a database in the URL is the single server's database.
    expect(validateConfig({ ...BASE, rateLimits: { store: { redis: { url: 'redis://h:6379/2' } } } }).rateLimits?.store).toMatchObject({ redis: { cluster: false } });
  });

  test('static access profiles compile to sets; a model not in the catalog is a warning', () => {
    const config = compileConfig(validateConfig({ ...BASE, accessProfiles: { teams: { research: { models: ['m', 'gone'] } }, callers: { bot: { models: [] } } } }), {});
    expect(config.accessProfiles.teams.get('research')).toEqual(new Set(['m', 'gone']));
    expect(config.warnings).toContain('accessProfiles.teams.research.models: not in the catalog: gone');
    expect(config.accessProfiles.callers.get('bot')).toEqual(new Set());
  });
});

describe('the README example', () => {
  test('is a valid admin, jwt and accessProfiles section', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const block = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1]).find((text) => text.startsWith('admin:'));
    if (!block) throw new Error('no admin example in the README');
    const models = ['gpt-4o', 'claude-sonnet', 'gpt-4o-mini'].map((name) => ({ name, backends: [{ backend: 'b' }] }));
    const runtime = compileConfig(validateConfig({ ...BASE, models, ...(parse(block) as Record<string, unknown>) }), { AIGW_ADMIN_TOKEN: 't' });
    expect(runtime.admin?.store).toBe('memory');
    expect(runtime.accessProfiles.teams.get('research')).toEqual(new Set(['gpt-4o', 'claude-sonnet']));
    expect(runtime.source.jwt?.claims).toEqual({ caller: 'sub', team: 'org.team', project: 'project', user: 'email' });
  });
});
