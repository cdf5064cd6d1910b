import type { RateLimitsConfig } from '../config/schema-limits';
import type { Logger } from '../telemetry/logger';
import type { Limiter } from './limiter';
import { MemoryLimiter } from './memory-limiter';
import { RedisLimiter } from './redis-limiter';

/** The counters the config names: in this process, or in Redis shared by a fleet. */
export function createLimiter(store: RateLimitsConfig['store'], logger: Logger): Limiter {
  if (store === 'memory') return new MemoryLimiter();
  return new RedisLimiter({ url: store.redis.url, cluster: store.redis.cluster, password: store.redis.password, timeoutMs: store.redis.timeoutMs, keyPrefix: store.redis.keyPrefix, logger });
}
