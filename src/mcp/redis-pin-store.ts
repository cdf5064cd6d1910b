import type { RedisTarget } from '../redis/redis-client';
import type { RedisClient } from '../redis/redis-client';
import { connectRedis } from '../redis/redis-client';
import type { PinRecord, PinStore } from './tool-pins';

/** How to reach Redis: the rate limits' store (rateLimits.store.redis). */
export interface RedisPinStoreOptions {
  readonly url: string;
  /** url is one node of a Redis Cluster. */
  readonly cluster?: boolean;
  /** The Redis password from env or a file (RedisTarget.password). */
  readonly password?: RedisTarget['password'];
  readonly timeoutMs: number;
  readonly keyPrefix: string;
}

/**
 * Tool pins in Redis, shared by every aigw of a fleet: one hash per server
 * (`<prefix>:mcp:pins:<server>`, field = the server's tool name, value = the pin as JSON). A
 * tools/list reads one hash; first sight uses HSETNX, so two replicas seeing a tool at once
 * keep one pin. Calls that cannot finish in time fail, and the caller decides (enforce fails
 * closed).
 */
export class RedisPinStore implements PinStore {
  private readonly client: RedisClient;

  constructor(private readonly options: RedisPinStoreOptions) {
    this.client = connectRedis(options, {
      // Fail fast instead of queueing while disconnected; reconnect in the background.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.timeoutMs,
      // Closing drops a socket the server does not close within this time (default 2 s).
      disconnectTimeout: 200,
    });
    // Errors reach the commands that fail; the connection's own error events would otherwise crash.
    this.client.on('error', () => undefined);
  }

  async load(server: string): Promise<ReadonlyMap<string, PinRecord>> {
    const fields = await this.client.hgetall(this.#key(server));
    const pins = new Map<string, PinRecord>();
    for (const [tool, value] of Object.entries(fields)) {
      const record = parseRecord(value);
      if (record) pins.set(tool, record);
    }
    return pins;
  }

  async get(server: string, tool: string): Promise<PinRecord | undefined> {
    const value = await this.client.hget(this.#key(server), tool);
    return value === null ? undefined : parseRecord(value);
  }

  async pinIfAbsent(server: string, tool: string, record: PinRecord): Promise<PinRecord> {
    const created = await this.client.hsetnx(this.#key(server), tool, JSON.stringify(record));
    if (created === 1) return record;
    return (await this.get(server, tool)) ?? record;
  }

  async set(server: string, tool: string, record: PinRecord): Promise<void> {
    await this.client.hset(this.#key(server), tool, JSON.stringify(record));
  }

  async close(): Promise<void> {
    // QUIT lets a live connection end cleanly (no timer left behind); otherwise just drop it.
    if (this.client.status === 'end') return;
    if (this.client.status === 'ready') await this.client.quit().catch(() => this.client.disconnect());
    else this.client.disconnect();
  }

  /** Once the connection is up (tests and start-up checks). */
  async ready(): Promise<void> {
    if (this.client.status === 'ready') return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('redis did not connect')), Math.max(this.options.timeoutMs, 2000));
      this.client.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  #key(server: string): string {
    return `${this.options.keyPrefix}:mcp:pins:${server}`;
  }
}

/** A stored pin; anything else (a hand-edited value) counts as no pin. */
function parseRecord(value: string): PinRecord | undefined {
  try {
    const parsed = JSON.parse(value) as { approved?: unknown; pending?: unknown };
    if (typeof parsed.approved !== 'string') return undefined;
    return typeof parsed.pending === 'string' ? { approved: parsed.approved, pending: parsed.pending } : { approved: parsed.approved };
  } catch {
    return undefined;
  }
}
