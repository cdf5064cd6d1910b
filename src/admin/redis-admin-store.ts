import type { RedisTarget } from '../redis/redis-client';
import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from '../redis/redis-client';
import { connectRedis } from '../redis/redis-client';
import type { Logger } from '../telemetry/logger';
import type { AdminSnapshot, RecordKind } from './admin-state';
import { EMPTY_SNAPSHOT, RECORD_KINDS, buildSnapshot, emptyRaw } from './admin-state';
import type { AdminStore } from './admin-store';
import { StoreUnavailableError } from './admin-store';

/** How to reach Redis, and how often to check for changes. */
export interface RedisAdminStoreOptions {
  readonly url: string;
  /** url is one node of a Redis Cluster. */
  readonly cluster?: boolean;
  /** The Redis password from env or a file (RedisTarget.password). */
  readonly password?: RedisTarget['password'];
  readonly keyPrefix: string;
  /** Each command settles within this time (at least 500 ms: admin calls are not on the request path). */
  readonly timeoutMs: number;
  /** Version check period; pub/sub usually reports a change sooner. */
  readonly pollIntervalMs: number;
  readonly logger: Logger;
}

/** The Redis names of a prefix: one hash per record kind, a version counter and a channel. */
export function adminRedisKeys(prefix: string): { hash(kind: RecordKind): string; version: string; channel: string } {
  // One hash tag for all, so MULTI works on Redis Cluster (one slot), like the limiter's keys.
  const base = `{${prefix}}:admin`;
  return { hash: (kind) => `${base}:${kind}`, version: `${base}:version`, channel: `${base}:changed` };
}

/**
 * Admin records in Redis, shared by every aigw of a fleet. A write changes a hash, bumps
 * the version and publishes it in one MULTI; every instance reloads on the message, and
 * also checks the version every `pollIntervalMs` (a message lost while its subscriber was
 * reconnecting is then caught within one period). A reload reads the version and all
 * hashes in one MULTI, so a snapshot is never half of one change.
 */
export class RedisAdminStore implements AdminStore {
  readonly storage = 'redis';
  private readonly client: RedisClient;
  private readonly subscriber: RedisClient;
  private readonly keys: ReturnType<typeof adminRedisKeys>;
  private snapshot: AdminSnapshot = EMPTY_SNAPSHOT;
  private loadedVersion: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private reloading: Promise<void> | undefined;
  private reachable = true;
  private closed = false;

  constructor(private readonly options: RedisAdminStoreOptions) {
    this.keys = adminRedisKeys(options.keyPrefix);
    const timeout = Math.max(options.timeoutMs, 500);
    this.client = connectRedis(options, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: timeout,
      connectTimeout: Math.max(timeout, 1000),
      retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
    });
    // The subscriber queues its SUBSCRIBE until connected and re-subscribes after a reconnect.
    this.subscriber = connectRedis(options, { connectTimeout: Math.max(timeout, 1000), retryStrategy: (attempt) => Math.min(attempt * 100, 2000) });
    this.client.on('error', (error: Error) => this.unreachable(error));
    this.subscriber.on('error', () => undefined);
    this.subscriber.on('message', () => this.scheduleReload());
    // After a reconnect the version check catches up on anything missed meanwhile.
    this.subscriber.on('ready', () => this.scheduleReload());
  }

  current(): AdminSnapshot {
    return this.snapshot;
  }

  async start(): Promise<void> {
    // Waited for at most 2 s: with Redis down, SUBSCRIBE waits in the subscriber's queue until
    // it connects. Once it is active, a change written by another instance right after this
    // start is announced here (a Cluster client first reads the slot map, which takes longer).
    const subscribed = this.subscriber.subscribe(this.keys.channel).then(
      () => undefined,
      () => undefined,
    );
    await Promise.all([this.waitReady(2000), within(subscribed, 2000)]);
    await this.reload().catch((error: Error) => this.unreachable(error));
    this.timer = setInterval(() => this.scheduleReload(), this.options.pollIntervalMs);
    this.timer.unref();
  }

  async put(kind: RecordKind, id: string, value: object): Promise<void> {
    await this.write((multi) => multi.hset(this.keys.hash(kind), id, JSON.stringify(value)));
  }

  async remove(kind: RecordKind, id: string): Promise<void> {
    await this.write((multi) => multi.hdel(this.keys.hash(kind), id));
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.reloading?.catch(() => undefined);
    this.client.disconnect();
    this.subscriber.disconnect();
  }

  private async write(change: (multi: ChainableCommander) => unknown): Promise<void> {
    const multi = this.client.multi();
    change(multi);
    multi.incr(this.keys.version);
    try {
      const results = await multi.exec();
      const version = results?.[results.length - 1]?.[1];
      await this.client.publish(this.keys.channel, String(version));
    } catch (error) {
      throw new StoreUnavailableError(`admin store (redis) unavailable: ${(error as Error).message}`);
    }
    // The writer's own next request must see the change: reload before answering.
    await this.reload(true).catch((error: Error) => this.unreachable(error));
  }

  /** Coalesces reload requests: at most one in flight, errors logged once per outage. */
  private scheduleReload(): void {
    if (this.closed || this.reloading) return;
    this.reloading = this.reload()
      .catch((error: Error) => this.unreachable(error))
      .finally(() => (this.reloading = undefined));
  }

  private async reload(force = false): Promise<void> {
    // A store never written to (or a Redis restarted empty) has no version key: version 0.
    const version = (await this.client.get(this.keys.version)) ?? '0';
    if (!force && version === this.loadedVersion) return;
    const multi = this.client.multi().get(this.keys.version);
    for (const kind of RECORD_KINDS) multi.hgetall(this.keys.hash(kind));
    const results = await multi.exec();
    if (!results) throw new Error('reload transaction aborted');
    const raw = emptyRaw();
    RECORD_KINDS.forEach((kind, index) => {
      const [error, value] = results[index + 1];
      if (error) throw error;
      for (const [id, text] of Object.entries((value ?? {}) as Record<string, string>)) raw[kind].set(id, text);
    });
    const snapshot = buildSnapshot(raw);
    if (snapshot.skipped > 0) this.options.logger.warn('admin store: invalid records skipped', { count: snapshot.skipped });
    this.snapshot = snapshot;
    this.loadedVersion = (results[0][1] as string | null) ?? '0';
    if (!this.reachable) this.options.logger.info('admin store reachable again', { store: 'redis' });
    this.reachable = true;
  }

  private unreachable(error: Error): void {
    // The last snapshot keeps serving; one log line per outage.
    if (this.reachable && !this.closed) this.options.logger.warn('admin store unreachable; serving the last snapshot', { store: 'redis', error: error.message });
    this.reachable = false;
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    if (this.client.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.client.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/** Resolves when `promise` settles or after `ms`, whichever is first. */
async function within(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
