import { Cluster } from 'ioredis';
import type { Command } from 'ioredis';
import { RedisAdminStore } from '../admin/redis-admin-store';
import { RedisPinStore } from '../mcp/redis-pin-store';
import type { LimitCheck, LimitRule } from '../ratelimit/limiter';
import { RedisLimiter } from '../ratelimit/redis-limiter';
import { silentLogger } from '../telemetry/logger';
import { RedisCluster } from '../testing/redis-cluster';

const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const minute: LimitRule = { kind: 'window', unit: 'minute', perUnit: 100 };
const day: LimitRule = { kind: 'window', unit: 'day', perUnit: 1000 };
const bucket: LimitRule = { kind: 'bucket', capacity: 100, refillPerSecond: 10 };
/** Counters of different entities (a key, a team, a model), as one request checks them. */
const checks = (hits: number): LimitCheck[] => [
  { key: 'aigw|caller|key_1', rule: minute, hits, shadow: false },
  { key: 'aigw|team|team-a', rule: day, hits, shadow: false },
  { key: 'aigw|model|gpt', rule: bucket, hits, shadow: true },
];

async function eventually<T>(attempt: () => Promise<T>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/**
 * Every store aigw keeps in Redis, on a real three-node Redis Cluster. Each command a
 * client sends is recorded with its keys: a multi-key command (a Lua script, a MULTI) whose
 * keys span two slots is refused by the cluster (CROSSSLOT), so a new script or transaction
 * that breaks the hash-tag rule fails here even before it meets the cluster.
 */
describe('Redis Cluster', () => {
  let cluster: RedisCluster;
  /** A plain cluster client, for CLUSTER KEYSLOT and commands of the test's own. */
  let client: Cluster;
  const sent: Array<{ name: string; keys: string[] }> = [];
  /** A transaction (MULTI … EXEC) counts as one command with all its commands' keys. */
  const transactions = new Map<Cluster, string[]>();
  const record = (sender: Cluster, name: string, keys: string[]): void => {
    const transaction = transactions.get(sender);
    if (name === 'multi') transactions.set(sender, []);
    else if (name === 'exec' && transaction) {
      transactions.delete(sender);
      sent.push({ name: 'multi', keys: transaction });
    } else if (transaction) transaction.push(...keys);
    else sent.push({ name, keys });
  };
  const closers: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    cluster = await RedisCluster.start();
    client = new Cluster([{ host: '127.0.0.1', port: cluster.ports[0] }]);
    const original = Cluster.prototype.sendCommand;
    jest.spyOn(Cluster.prototype, 'sendCommand').mockImplementation(function (this: Cluster, command: Command, ...rest: unknown[]) {
      if (this !== client) record(this, command.name, command.getKeys().map(String));
      return original.call(this, command, ...(rest as []));
    });
  }, 30_000);

  afterAll(async () => {
    jest.restoreAllMocks();
    await Promise.all(closers.map((close) => close()));
    client?.disconnect();
    await cluster?.stop();
  });

  test('the cluster spreads keys over three masters, and refuses a script whose keys span slots', async () => {
    expect(cluster.ports).toHaveLength(3);
    expect(await cluster.keySlot('{a}:x')).toBe(await cluster.keySlot('{a}:y'));
    expect(await cluster.keySlot('{a}:x')).not.toBe(await cluster.keySlot('{b}:x'));
    await expect(client.eval('return 1', 2, '{a}:x', '{b}:x')).rejects.toThrow(/CROSSSLOT/);
  });

  test('the limiter: a request reserves, settles and releases its counters atomically on the cluster', async () => {
    const limiter = new RedisLimiter({ url: cluster.url, cluster: true, timeoutMs: 1000, keyPrefix: 'slots', logger: silentLogger });
    closers.push(() => limiter.close());
    const first = await eventually(() => limiter.reserve(checks(60), T0, { id: 'req-1', ttlMs: 60_000 }));
    expect(first.allowed).toBe(true);
    expect(first.statuses.map((status) => status.remaining)).toEqual([40, 940, 40]);
    // The minute counter has 40 left: 60 more is refused on every counter, taking nothing.
    const second = await limiter.reserve(checks(60), T0, { id: 'req-2', ttlMs: 60_000 });
    expect(second.allowed).toBe(false);
    expect(second.statuses.map((status) => status.remaining)).toEqual([40, 940, 40]);
    const counters = checks(60).map((check) => ({ key: check.key, rule: check.rule, reserved: 60, used: 25 }));
    expect(await limiter.settle({ reservation: { id: 'req-1', ttlMs: 60_000 }, mode: 'settle', reservedAt: T0, counters }, T0)).toBe('applied');
    expect(await limiter.settle({ reservation: { id: 'req-1', ttlMs: 60_000 }, mode: 'settle', reservedAt: T0, counters }, T0)).toBe('absent');
    expect(await limiter.settle({ reservation: { id: 'req-3', ttlMs: 60_000 }, mode: 'release', reservedAt: T0, counters }, T0)).toBe('tombstone');
    const after = await limiter.reserve(checks(0), T0);
    expect(after.statuses.map((status) => status.remaining)).toEqual([75, 975, 75]);
  });

  test('the admin store: a write on one instance reaches another through the cluster (pub/sub and MULTI)', async () => {
    const open = async (): Promise<RedisAdminStore> => {
      const store = new RedisAdminStore({ url: cluster.url, cluster: true, keyPrefix: 'slots', timeoutMs: 1000, pollIntervalMs: 60_000, logger: silentLogger });
      closers.push(() => store.close());
      await store.start();
      return store;
    };
    const [writer, reader] = [await open(), await open()];
    await eventually(() => writer.put('models', 'gpt', { enabled: false }));
    expect(writer.current().models.get('gpt')).toEqual({ enabled: false });
    // The poll is a minute away: only the published change can bring it this soon.
    await eventually(async () => expect(reader.current().models.get('gpt')).toEqual({ enabled: false }), 3000);
    await writer.remove('models', 'gpt');
    await eventually(async () => expect(reader.current().models.size).toBe(0), 3000);
  });

  test('MCP tool pins: one approval shared by two replicas on the cluster', async () => {
    const [a, b] = [0, 1].map(() => new RedisPinStore({ url: cluster.url, cluster: true, timeoutMs: 1000, keyPrefix: 'slots' }));
    closers.push(() => a.close(), () => b.close());
    await Promise.all([a.ready(), b.ready()]);
    expect(await a.pinIfAbsent('files', 'read', { approved: 'h1' })).toEqual({ approved: 'h1' });
    expect(await b.pinIfAbsent('files', 'read', { approved: 'h2' })).toEqual({ approved: 'h1' });
    await b.set('files', 'read', { approved: 'h1', pending: 'h3' });
    expect(await a.get('files', 'read')).toEqual({ approved: 'h1', pending: 'h3' });
  });

  test('every command sent by these stores kept its keys in one slot', async () => {
    const stores = sent.filter((command) => command.keys.length > 1);
    // The limiter's scripts ran here, with the record and three counters; the admin store's
    // writes (a hash and the version) and reloads (the version and six hashes) too.
    expect(stores.filter((command) => command.name === 'evalsha').map((command) => command.keys.length)).toEqual(expect.arrayContaining([4]));
    expect(stores.filter((command) => command.name === 'multi').map((command) => command.keys.length)).toEqual(expect.arrayContaining([2, 7]));
    const spanning: string[] = [];
    for (const command of stores) {
      const slots = new Set(await Promise.all(command.keys.map((key) => client.cluster('KEYSLOT', key))));
      if (slots.size > 1) spanning.push(`${command.name} ${command.keys.join(' ')}`);
    }
    expect(spanning).toEqual([]);
  });
});
