import { Redis } from 'ioredis';
import { RedisServer } from '../testing/redis-server';
import { createLogger, silentLogger } from '../telemetry/logger';
import { MemoryAdminStore } from './admin-store';
import type { AdminStore } from './admin-store';
import { RedisAdminStore, adminRedisKeys } from './redis-admin-store';

const KEY = { id: 'key_1', name: 'svc', team: 't', project: 'p', hash: 'a'.repeat(64), createdAt: '2026-06-01T00:00:00.000Z' };

async function waitFor(check: () => boolean, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return Date.now() - started;
}

describe('memory admin store', () => {
  test('put, remove, and the snapshot swaps whole', async () => {
    const store: AdminStore = new MemoryAdminStore();
    const before = store.current();
    await store.put('keys', KEY.id, KEY);
    await store.put('models', 'm', { enabled: false });
    expect(before.keys.size).toBe(0);
    expect(store.current().keysByDigest.get(KEY.hash)).toEqual(KEY);
    expect(store.current().models.get('m')).toEqual({ enabled: false });
    await store.remove('models', 'm');
    expect(store.current().models.size).toBe(0);
    expect(store.storage).toBe('memory');
  });
});

describe('redis admin store', () => {
  let redis: RedisServer;
  const stores: RedisAdminStore[] = [];
  const open = async (prefix: string, pollIntervalMs = 500): Promise<RedisAdminStore> => {
    const store = new RedisAdminStore({ url: redis.url, keyPrefix: prefix, timeoutMs: 50, pollIntervalMs, logger: process.env.E2E_LOG ? createLogger('debug') : silentLogger });
    stores.push(store);
    await store.start();
    return store;
  };

  beforeAll(async () => {
    redis = await RedisServer.start();
  });

  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    await redis?.stop();
  });

  test('a write is visible to its writer at once and to another instance well within a second (pub/sub)', async () => {
    const first = await open('fleet');
    const second = await open('fleet', 5000);
    await first.put('keys', KEY.id, KEY);
    expect(first.current().keys.get(KEY.id)).toEqual(KEY);
    // Polling every 5 s here: only pub/sub can make it this fast.
    expect(await waitFor(() => second.current().keys.has(KEY.id), 1000)).toBeLessThan(1000);
    await second.put('keys', KEY.id, { ...KEY, revokedAt: '2026-06-02T00:00:00.000Z' });
    await waitFor(() => first.current().keys.get(KEY.id)?.revokedAt === '2026-06-02T00:00:00.000Z', 1000);
    await first.remove('keys', KEY.id);
    await waitFor(() => second.current().keys.size === 0, 1000);
  });

  test('records are JSON in one hash per kind; a new instance loads them; another prefix sees nothing', async () => {
    const writer = await open('layout');
    await writer.put('team-limits', 'research', { usdPerDay: 5 });
    const client = new Redis(redis.url);
    const keys = adminRedisKeys('layout');
    expect(await client.hgetall(keys.hash('team-limits'))).toEqual({ research: '{"usdPerDay":5}' });
    expect(keys).toMatchObject({ version: '{layout}:admin:version', channel: '{layout}:admin:changed' });
    // An invalid record (another writer's) is skipped, not fatal.
    await client.hset(keys.hash('models'), 'broken', '{"enabled":"yes"}');
    client.disconnect();
    const reader = await open('layout');
    expect(reader.current().teamLimits.get('research')).toEqual({ usdPerDay: 5 });
    expect(reader.current().models.size).toBe(0);
    expect(reader.current().skipped).toBe(1);
    expect((await open('other')).current().teamLimits.size).toBe(0);
  });

  test('without pub/sub messages, polling catches a change (written straight to Redis)', async () => {
    const store = await open('poll', 100);
    const client = new Redis(redis.url);
    const keys = adminRedisKeys('poll');
    await client.multi().hset(keys.hash('models'), 'm', '{"enabled":false}').incr(keys.version).exec();
    client.disconnect();
    await waitFor(() => store.current().models.get('m')?.enabled === false, 1000);
  });

  test('Redis down at start: start returns (after at most 2 s), the snapshot is empty, and it loads once Redis is up', async () => {
    const writer = await open('late');
    await writer.put('profiles', 'research', { models: ['m'] });
    await redis.stop();
    const started = Date.now();
    const late = await open('late', 100);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(late.current().profiles.size).toBe(0);
    await redis.resume();
    // The restarted Redis is empty; a write through the first store reaches the late one.
    await waitFor(() => writer.current().profiles.size === 0, 5000);
    await writer.put('profiles', 'research', { models: ['m'] });
    await waitFor(() => late.current().profiles.get('research')?.models?.[0] === 'm', 1000);
  });

  test('Redis down: writes fail with StoreUnavailableError, reads keep the last snapshot; back up: reloads', async () => {
    const store = await open('outage', 100);
    await store.put('models', 'm', { enabled: false });
    await redis.stop();
    await expect(store.put('models', 'm', { enabled: true })).rejects.toMatchObject({ name: 'StoreUnavailableError' });
    expect(store.current().models.get('m')).toEqual({ enabled: false });
    await redis.resume();
    // A restarted Redis (no persistence) is empty: the version differs, so the snapshot follows it.
    await waitFor(() => store.current().models.size === 0, 5000);
  });
});
