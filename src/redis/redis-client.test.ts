import { Cluster, Redis } from 'ioredis';
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
