import { RedisServer } from '../testing/redis-server';
import { silentLogger } from '../telemetry/logger';
import type { LimitCheck, LimitRule, Limiter } from './limiter';
import { LimiterUnavailableError } from './limiter';
import { MemoryLimiter } from './memory-limiter';
import { RedisLimiter } from './redis-limiter';

const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const minute: LimitRule = { kind: 'window', unit: 'minute', perUnit: 100 };
const bucket: LimitRule = { kind: 'bucket', capacity: 100, refillPerSecond: 10 };
const check = (key: string, rule: LimitRule, hits: number, shadow = false): LimitCheck => ({ key, rule, hits, shadow });

let redis: RedisServer;
let keyCounter = 0;

beforeAll(async () => {
  redis = await RedisServer.start();
});

afterAll(async () => {
  await redis?.stop();
});

const backends: Array<[string, () => Limiter]> = [
  ['memory', () => new MemoryLimiter()],
  ['redis', () => new RedisLimiter({ url: redis.url, timeoutMs: 500, keyPrefix: `t${++keyCounter}`, logger: silentLogger })],
];

describe.each(backends)('%s limiter', (_name, make) => {
  let limiter: Limiter;

  beforeEach(async () => {
    limiter = make();
    // The Redis client connects in the background; the first call may race it.
    await waitUntilUsable(limiter);
  });

  afterEach(async () => {
    await limiter.close();
  });

  test('takes hits within the limit and reports what is left and when the window resets', async () => {
    const decision = await limiter.reserve([check('a', minute, 60)], T0 + 15_000);
    expect(decision).toEqual({ allowed: true, statuses: [{ overLimit: false, limit: 100, remaining: 40, resetSeconds: 45 }] });
  });

  test('all or nothing: one counter without room means nothing is taken from any', async () => {
    await limiter.reserve([check('a', minute, 90)], T0);
    const refused = await limiter.reserve([check('b', minute, 50), check('a', minute, 20)], T0 + 1);
    expect(refused.allowed).toBe(false);
    expect(refused.statuses.map((status) => [status.overLimit, status.remaining])).toEqual([
      [false, 100],
      [true, 10],
    ]);
    const after = await limiter.reserve([check('b', minute, 100), check('a', minute, 10)], T0 + 2);
    expect(after.allowed).toBe(true);
  });

  test('shadow counters are charged and reported but never block', async () => {
    const decision = await limiter.reserve([check('s', minute, 150, true), check('a', minute, 10)], T0);
    expect(decision.allowed).toBe(true);
    expect(decision.statuses[0]).toMatchObject({ overLimit: true, remaining: 0 });
    const again = await limiter.reserve([check('s', minute, 1, true)], T0 + 1);
    expect(again.statuses[0]).toMatchObject({ overLimit: true, remaining: 0 });
  });

  test('a new window starts afresh', async () => {
    await limiter.reserve([check('a', minute, 100)], T0 + 59_000);
    expect((await limiter.reserve([check('a', minute, 1)], T0 + 59_999)).allowed).toBe(false);
    expect((await limiter.reserve([check('a', minute, 100)], T0 + 60_000)).allowed).toBe(true);
  });

  test('settlements refund into the window that was charged and charge beyond the limit', async () => {
    await limiter.reserve([check('a', minute, 80)], T0);
    await limiter.adjust([{ key: 'a', rule: minute, delta: -50, reservedAt: T0 }], T0 + 1000);
    expect((await limiter.reserve([check('a', minute, 70)], T0 + 2000)).statuses[0].remaining).toBe(0);
    await limiter.adjust([{ key: 'a', rule: minute, delta: 30, reservedAt: T0 }], T0 + 3000);
    const over = await limiter.reserve([check('a', minute, 1)], T0 + 4000);
    expect(over.statuses[0]).toMatchObject({ overLimit: true, remaining: 0 });
    // A refund larger than what was used stops at zero.
    await limiter.adjust([{ key: 'a', rule: minute, delta: -1000, reservedAt: T0 }], T0 + 5000);
    expect((await limiter.reserve([check('a', minute, 100)], T0 + 6000)).allowed).toBe(true);
  });

  test('token buckets refill continuously up to their capacity', async () => {
    expect((await limiter.reserve([check('k', bucket, 100)], T0)).statuses[0]).toEqual({ overLimit: false, limit: 100, remaining: 0, resetSeconds: 10 });
    const early = await limiter.reserve([check('k', bucket, 30)], T0 + 2500);
    expect(early.allowed).toBe(false);
    expect(early.statuses[0]).toEqual({ overLimit: true, limit: 100, remaining: 25, resetSeconds: 0.5 });
    expect((await limiter.reserve([check('k', bucket, 30)], T0 + 3000)).allowed).toBe(true);
    expect((await limiter.reserve([check('k', bucket, 0)], T0 + 600_000)).statuses[0].remaining).toBe(100);
  });

  test('bucket settlements refund up to capacity and may leave a debt', async () => {
    await limiter.reserve([check('k', bucket, 100)], T0);
    await limiter.adjust([{ key: 'k', rule: bucket, delta: -500 }], T0);
    expect((await limiter.reserve([check('k', bucket, 0)], T0)).statuses[0].remaining).toBe(100);
    await limiter.adjust([{ key: 'k', rule: bucket, delta: 150 }], T0);
    const debt = await limiter.reserve([check('k', bucket, 10)], T0 + 1000);
    expect(debt.statuses[0]).toMatchObject({ overLimit: true, remaining: 0, resetSeconds: 5 });
  });
});

async function waitUntilUsable(limiter: Limiter): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      await limiter.reserve([], T0);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

describe('redis limiter under concurrency and outages', () => {
  test('200 concurrent reservations from two connections never admit beyond the limit', async () => {
    const options = { url: redis.url, timeoutMs: 2000, keyPrefix: 'burst', logger: silentLogger };
    const [one, two] = [new RedisLimiter(options), new RedisLimiter(options)];
    await Promise.all([waitUntilUsable(one), waitUntilUsable(two)]);
    const limit: LimitRule = { kind: 'window', unit: 'hour', perUnit: 10_000 };
    const sizes = Array.from({ length: 200 }, (_, index) => 50 + ((index * 37) % 200));
    const decisions = await Promise.all(sizes.map((hits, index) => (index % 2 ? one : two).reserve([check('shared', limit, hits)], T0)));
    const admitted = sizes.filter((_, index) => decisions[index].allowed).reduce((sum, hits) => sum + hits, 0);
    expect(admitted).toBeLessThanOrEqual(10_000);
    // Everything that was refused could not have fitted when it was decided.
    const smallestRefused = Math.min(...sizes.filter((_, index) => !decisions[index].allowed));
    expect(admitted + smallestRefused).toBeGreaterThan(10_000 - 250);
    await Promise.all([one.close(), two.close()]);
  });

  test('Redis down: calls fail fast with LimiterUnavailableError; back up: they work again without a new limiter', async () => {
    const limiter = new RedisLimiter({ url: redis.url, timeoutMs: 100, keyPrefix: 'outage', logger: silentLogger });
    await waitUntilUsable(limiter);
    await redis.stop();
    const started = Date.now();
    await expect(limiter.reserve([check('a', minute, 1)], T0)).rejects.toBeInstanceOf(LimiterUnavailableError);
    expect(Date.now() - started).toBeLessThan(300);
    await redis.resume();
    await waitUntilUsable(limiter);
    expect((await limiter.reserve([check('a', minute, 1)], T0)).allowed).toBe(true);
    await limiter.close();
  });

  test('scripts are loaded again after SCRIPT FLUSH (NOSCRIPT)', async () => {
    const limiter = new RedisLimiter({ url: redis.url, timeoutMs: 500, keyPrefix: 'flush', logger: silentLogger });
    await waitUntilUsable(limiter);
    await limiter.reserve([check('a', minute, 1)], T0);
    const admin = new (await import('ioredis')).Redis(redis.url);
    await admin.script('FLUSH');
    await admin.quit();
    expect((await limiter.reserve([check('a', minute, 1)], T0)).statuses[0].remaining).toBe(98);
    await limiter.close();
  });
});

describe('memory limiter housekeeping', () => {
  test('expired counters are swept so memory stays bounded', async () => {
    const limiter = new MemoryLimiter();
    for (let index = 0; index < 2000; index += 1) await limiter.reserve([check(`caller-${index}`, { kind: 'window', unit: 'second', perUnit: 5 }, 1)], T0);
    expect(limiter.size).toBe(2000);
    for (let index = 0; index < 1024; index += 1) await limiter.reserve([], T0 + 120_000);
    expect(limiter.size).toBe(0);
  });
});
