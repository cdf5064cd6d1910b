import { Cluster, Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { readSecret } from '../config/secret';

/** A connection to one Redis, or to a Redis Cluster (the same commands; keys routed by slot). */
export type RedisClient = Redis | Cluster;

/** Where Redis is: one server, or any node of a cluster (the others are discovered from it). */
export interface RedisTarget {
  readonly url: string;
  readonly cluster?: boolean;
  /** The password, read from env or a file at connect time; replaces one in the URL. */
  readonly password?: { readonly env?: string; readonly file?: string };
}

/** The configured password, or undefined; a source that cannot be read is an error (check-config reports it first). */
function passwordOf(target: RedisTarget): string | undefined {
  if (target.password === undefined) return undefined;
  const { secret, problem } = readSecret(target.password, process.env);
  if (!secret) throw new Error(`redis password: ${problem ?? 'not readable'}`);
  return secret.reveal();
}

/** The per-connection options aigw sets; enableOfflineQueue and retryStrategy apply to the whole client. */
export interface RedisClientOptions extends Omit<RedisOptions, 'host' | 'port' | 'path' | 'sentinels' | 'readOnly'> {
  readonly retryStrategy?: (attempt: number) => number | null;
}

/**
 * Connects to `target`. A cluster's seed URL carries what every node shares (user, password,
 * TLS); ioredis then reads the slot map (CLUSTER SLOTS) from it, sends each command to the
 * node that owns its keys' slot, and follows MOVED/ASK redirections when slots move.
 * A multi-key command (a Lua script, MULTI) works only when all its keys share one slot:
 * callers put them under one hash tag (`{...}`), see docs/rate-limits.md.
 */
export function connectRedis(target: RedisTarget, options: RedisClientOptions): RedisClient {
  const password = passwordOf(target);
  if (target.cluster !== true) return new Redis(target.url, password === undefined ? options : { ...options, password });
  const url = new URL(target.url);
  const { enableOfflineQueue, retryStrategy, ...perNode } = options;
  const node: RedisOptions = {
    ...perNode,
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: password ?? (url.password ? decodeURIComponent(url.password) : undefined),
    // Each node's certificate is checked against the host that node is reached by.
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
  };
  return new Cluster([{ host: url.hostname, port: url.port ? Number(url.port) : 6379 }], {
    enableOfflineQueue,
    clusterRetryStrategy: retryStrategy,
    // Nodes that announce host names (cluster-preferred-endpoint-type hostname, as managed
    // TLS clusters do) are connected by that name, so TLS can verify it.
    dnsLookup: (address, callback) => callback(null, address),
    // The slot map is refreshed within the command deadline, or the refresh is retried.
    slotsRefreshTimeout: Math.max(Number(options.connectTimeout ?? 1000), 1000),
    redisOptions: node,
  });
}
