import type { RedisTarget } from '../redis/redis-client';
import type { Cluster, Redis } from 'ioredis';
import { connectRedis } from '../redis/redis-client';
import type { Logger } from '../telemetry/logger';
import type { CheckStatus, Decision, LimitCheck, LimitRule, Limiter, RecordState, ReservationId, SettleOutcome, Settlement } from './limiter';
import { LimiterUnavailableError } from './limiter';
import { storageKey } from './memory-limiter';
import { RESERVE_SCRIPT, SETTLE_SCRIPT } from './redis-scripts';
import { windowAt } from './windows';

/** How to reach Redis. */
export interface RedisLimiterOptions {
  /** redis:// or rediss:// URL, with password and database if needed. */
  readonly url: string;
  /** url is one node of a Redis Cluster. */
  readonly cluster?: boolean;
  /** The Redis password from env or a file (RedisTarget.password). */
  readonly password?: RedisTarget['password'];
  /** Every call settles within this many ms (then it fails with LimiterUnavailableError). */
  readonly timeoutMs: number;
  readonly keyPrefix: string;
  readonly logger: Logger;
}

/** Kept after a window ends, so a settlement arriving just after can still find its counter. */
const WINDOW_GRACE_MS = 60_000;

interface Scripts {
  aigwReserve(keyCount: number, ...args: Array<string | number>): Promise<string[]>;
  aigwSettle(keyCount: number, ...args: Array<string | number>): Promise<string>;
}

type ScriptClient = (Redis | Cluster) & Scripts;

/**
 * A window key's time to live (relative to the caller's clock, so tests with a fixed clock
 * work against a real Redis), or a bucket's refill per ms.
 */
function timeArgument(rule: LimitRule, windowTime: number, now: number): number {
  return rule.kind === 'window' ? Math.max(1, windowAt(rule.unit, windowTime, rule.timeZone).end + WINDOW_GRACE_MS - now) : rule.refillPerSecond / 1000;
}

/**
 * Counters in Redis, shared by every aigw of a fleet. One Lua script per decision reads and
 * changes all of a request's counters atomically (ioredis runs it by EVALSHA and reloads it
 * after a NOSCRIPT, e.g. after a Redis restart or SCRIPT FLUSH).
 *
 * Keys share one hash tag, `{<keyPrefix>}`, so a script's keys always live in one slot and
 * it also runs on Redis Cluster: one request's counters belong to different entities (its
 * key, team, project, model), and one team's counter is shared with every key of the team,
 * so no finer tag keeps every script's keys together. The price is that all counters sit on
 * one shard, which one Redis handles at tens of thousands of decisions per second.
 *
 * Time comes from the caller (each aigw's clock). Window keys carry the window's start, so
 * clock skew between instances only blurs a window's edge by the skew; a bucket never
 * refills backwards when a slower clock writes after a faster one.
 *
 * A command that times out here is not withdrawn: Redis runs it when it gets to it. Each
 * reservation therefore has a record (`{<keyPrefix>}:r:<request id>`, see redis-scripts.ts)
 * that makes its reserve, release and settlement each count at most once, in whatever order
 * and however late they run.
 */
export class RedisLimiter implements Limiter {
  private readonly client: ScriptClient;
  private connected = false;

  constructor(private readonly options: RedisLimiterOptions) {
    this.client = connectRedis(options, {
      // Fail fast instead of queueing while disconnected; reconnect in the background.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      // A reservation whose answer was lost in a disconnect must not be sent again after the
      // reconnect: it may have been taken already, and would then be taken twice.
      autoResendUnfulfilledCommands: false,
      commandTimeout: options.timeoutMs,
      connectTimeout: Math.max(options.timeoutMs, 1000),
      retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
      lazyConnect: false,
    }) as ScriptClient;
    this.client.defineCommand('aigwReserve', { lua: RESERVE_SCRIPT });
    this.client.defineCommand('aigwSettle', { lua: SETTLE_SCRIPT });
    this.client.on('ready', () => {
      if (!this.connected) options.logger.info('rate limit store connected', { store: 'redis' });
      this.connected = true;
    });
    // Without a listener ioredis would throw; each outage is logged once.
    this.client.on('error', (error: Error) => {
      if (this.connected) options.logger.warn('rate limit store unreachable', { store: 'redis', error: error.message });
      this.connected = false;
    });
  }

  async reserve(checks: readonly LimitCheck[], now = Date.now(), reservation?: ReservationId): Promise<Decision> {
    const record = reservation ? [this.recordKey(reservation.id)] : [];
    const keys = checks.map((check) => this.redisKey(storageKey(check.key, check.rule, now)));
    const args = checks.flatMap((check) => [
      check.rule.kind === 'window' ? 'w' : 'b',
      check.rule.kind === 'window' ? check.rule.perUnit : check.rule.capacity,
      check.hits,
      check.shadow ? '1' : '0',
      timeArgument(check.rule, now, now),
    ]);
    const ttl = reservation ? Math.max(1, Math.round(reservation.ttlMs)) : 0;
    const reply = await this.run(() => this.client.aigwReserve(record.length + keys.length, ...record, ...keys, now, ttl, ...args));
    const earlier = reply[0] === '1' || reply[0] === '0' ? undefined : (reply[0] as RecordState);
    const allowed = reply[0] === '1' || earlier === 'taken';
    const statuses: CheckStatus[] = checks.map((check, index) => {
      const room = Number(reply[index + 1]);
      const left = allowed && !earlier ? room - check.hits : room;
      const overLimit = room < check.hits;
      return { overLimit, limit: check.rule.kind === 'window' ? check.rule.perUnit : check.rule.capacity, remaining: Math.max(0, left), resetSeconds: resetSeconds(check, left, overLimit, now) };
    });
    return earlier ? { allowed, statuses, earlier } : { allowed, statuses };
  }

  async settle(settlement: Settlement, now = Date.now()): Promise<SettleOutcome> {
    const at = settlement.reservedAt;
    // A window that ended (and its grace) ago is gone: nothing left there to correct.
    const live = settlement.counters.filter((item) => item.rule.kind !== 'window' || windowAt(item.rule.unit, at, item.rule.timeZone).end + WINDOW_GRACE_MS > now);
    const keys = [this.recordKey(settlement.reservation.id), ...live.map((item) => this.redisKey(storageKey(item.key, item.rule, at)))];
    const args = live.flatMap((item) => [
      item.rule.kind === 'window' ? 'w' : 'b',
      item.rule.kind === 'window' ? item.rule.perUnit : item.rule.capacity,
      Math.round(item.reserved),
      Math.round(item.used),
      timeArgument(item.rule, at, now),
    ]);
    const ttl = Math.max(1, Math.round(settlement.reservation.ttlMs));
    return (await this.run(() => this.client.aigwSettle(keys.length, ...keys, now, settlement.mode, ttl, ...args))) as SettleOutcome;
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }

  private redisKey(storage: string): string {
    return `{${this.options.keyPrefix}}:${storage}`;
  }

  /** A reservation's record: no `|`, so never a counter's key (those join descriptor entries with it). */
  private recordKey(id: string): string {
    return `{${this.options.keyPrefix}}:r:${id}`;
  }

  /** Runs a command with a hard deadline; any failure becomes LimiterUnavailableError. */
  private async run<T>(command: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new LimiterUnavailableError(`redis did not answer within ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
    });
    try {
      return await Promise.race([command(), deadline]);
    } catch (error) {
      if (error instanceof LimiterUnavailableError) throw error;
      throw new LimiterUnavailableError(`redis: ${(error as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }
}

function resetSeconds(check: LimitCheck, left: number, overLimit: boolean, now: number): number {
  if (check.rule.kind === 'window') return (windowAt(check.rule.unit, now, check.rule.timeZone).end - now) / 1000;
  const needed = overLimit ? check.hits : check.rule.capacity;
  if (left >= needed || check.rule.refillPerSecond <= 0) return 0;
  return (needed - left) / check.rule.refillPerSecond;
}
