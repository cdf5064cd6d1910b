import { Cluster, Redis } from 'ioredis';
import { RedisServer } from '../testing/redis-server';
import { connectRedis } from './redis-client';

/** Builds a client and drops it at once (nothing listens on these addresses). */
function built(url: string, cluster: boolean): Redis | Cluster {
  const client = connectRedis({ url, cluster }, { lazyConnect: true, commandTimeout: 50, enableOfflineQueue: false, retryStrategy: () => null });
  client.on('error', () => undefined);
  client.disconnect();
  return client;
}

/** The seed nodes a Cluster client starts from (ioredis keeps them private). */
function seeds(client: Redis | Cluster): unknown {
  return (client as unknown as { startupNodes: unknown }).startupNodes;
}

describe('connectRedis', () => {
  test('a cluster seed URL: the node, and what every node shares (user, password, TLS), with the per-node options', () => {
    const client = built('rediss://aigw:p%40ss@node-1.redis.internal:7000', true);
    expect(client).toBeInstanceOf(Cluster);
    const options = (client as Cluster).options;
    expect(seeds(client)).toEqual([{ host: 'node-1.redis.internal', port: 7000 }]);
    expect(options.enableOfflineQueue).toBe(false);
    expect(options.redisOptions).toMatchObject({ username: 'aigw', password: 'p@ss', tls: {}, commandTimeout: 50 });
  });

  test('a cluster URL without credentials or port: 6379, plain TCP; cluster: false is one server', () => {
    const options = (built('redis://10.0.0.7', true) as Cluster).options.redisOptions;
    expect(options?.username).toBeUndefined();
    expect(options?.password).toBeUndefined();
    expect(options?.tls).toBeUndefined();
    expect(seeds(built('redis://10.0.0.7', true))).toEqual([{ host: '10.0.0.7', port: 6379 }]);
    expect(built('redis://10.0.0.7:6380/2', false)).toBeInstanceOf(Redis);
  });
});

describe('connectRedis with a password from the environment (redis.password)', () => {
  let server: RedisServer;
  const ENV = 'AIGW_TEST_REDIS_PASSWORD';

  beforeAll(async () => {
    server = await RedisServer.start({ password: 's3cret pass' });
  });

  afterAll(async () => {
    delete process.env[ENV];
    await server?.stop();
  });

  const client = (password?: { env: string }): Redis | Cluster => connectRedis({ url: server.url, password }, { commandTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });

  test('a server that requires AUTH answers with the password read from env, and refuses without it', async () => {
    process.env[ENV] = 's3cret pass';
    const authed = client({ env: ENV });
    expect(await authed.ping()).toBe('PONG');
    authed.disconnect();
    const anonymous = client();
    anonymous.on('error', () => undefined);
    await expect(anonymous.ping()).rejects.toThrow(/NOAUTH/);
    anonymous.disconnect();
  });

  test('an unset variable is an error naming it, not a connection without AUTH', () => {
    delete process.env[ENV];
    expect(() => client({ env: ENV })).toThrow(`redis password: environment variable ${ENV} is not set`);
  });
});
