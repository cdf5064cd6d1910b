import { RedisServer } from '../testing/redis-server';
import { silentLogger } from '../telemetry/logger';
import type { CounterSettlement, LimitCheck, LimitRule, Limiter, ReservationId, SettleMode } from './limiter';
import { LimiterUnavailableError } from './limiter';
import { MemoryLimiter } from './memory-limiter';
import { RedisLimiter } from './redis-limiter';

const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const minute: LimitRule = { kind: 'window', unit: 'minute', perUnit: 100 };
const bucket: LimitRule = { kind: 'bucket', capacity: 100, refillPerSecond: 10 };
const check = (key: string, rule: LimitRule, hits: number, shadow = false): LimitCheck => ({ key, rule, hits, shadow });
const TTL_MS = 600_000;
const reservation = (id: string): ReservationId => ({ id, ttlMs: TTL_MS });
const counter = (key: string, rule: LimitRule, reserved: number, used: number): CounterSettlement => ({ key, rule, reserved, used });
/** Settles reservation `id` (made at `reservedAt`) in `mode`. */
function settle(limiter: Limiter, id: string, mode: SettleMode, reservedAt: number, counters: CounterSettlement[], now: number): ReturnType<Limiter['settle']> {
  return limiter.settle({ reservation: reservation(id), mode, reservedAt, counters }, now);
}

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
    await limiter.reserve([check('a', minute, 80)], T0, reservation('r1'));
    expect(await settle(limiter, 'r1', 'settle', T0, [counter('a', minute, 80, 30)], T0 + 1000)).toBe('applied');
    expect((await limiter.reserve([check('a', minute, 70)], T0 + 2000, reservation('r2'))).statuses[0].remaining).toBe(0);
    await settle(limiter, 'r2', 'settle', T0 + 2000, [counter('a', minute, 70, 100)], T0 + 3000);
    const over = await limiter.reserve([check('a', minute, 1)], T0 + 4000);
    expect(over.statuses[0]).toMatchObject({ overLimit: true, remaining: 0 });
    // A refund larger than what was used stops at zero.
    await limiter.reserve([check('a', minute, 1, true)], T0 + 4500, reservation('r3'));
    await settle(limiter, 'r3', 'settle', T0 + 4500, [counter('a', minute, 1000, 0)], T0 + 5000);
    expect((await limiter.reserve([check('a', minute, 100)], T0 + 6000)).allowed).toBe(true);
  });

  test('a settlement made after its window rolled over lands in the window that was charged', async () => {
    await limiter.reserve([check('a', minute, 100)], T0 + 59_000, reservation('late'));
    await settle(limiter, 'late', 'settle', T0 + 59_000, [counter('a', minute, 100, 10)], T0 + 61_000);
    expect((await limiter.reserve([check('a', minute, 100)], T0 + 61_500)).statuses[0].remaining).toBe(0);
    expect((await limiter.reserve([check('a', minute, 90)], T0 + 59_500)).allowed).toBe(true);
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
    await limiter.reserve([check('k', bucket, 100)], T0, reservation('b1'));
    await settle(limiter, 'b1', 'settle', T0, [counter('k', bucket, 600, 100)], T0);
    expect((await limiter.reserve([check('k', bucket, 0)], T0)).statuses[0].remaining).toBe(100);
    await limiter.reserve([check('k', bucket, 0)], T0, reservation('b2'));
    await settle(limiter, 'b2', 'settle', T0, [counter('k', bucket, 0, 150)], T0);
    const debt = await limiter.reserve([check('k', bucket, 10)], T0 + 1000);
    expect(debt.statuses[0]).toMatchObject({ overLimit: true, remaining: 0, resetSeconds: 5 });
  });

  describe('reservations are idempotent by id', () => {
    const left = async (key: string, now: number): Promise<number> => (await limiter.reserve([check(key, minute, 0)], now)).statuses[0].remaining;

    test('reserving twice with one id takes once', async () => {
      expect((await limiter.reserve([check('a', minute, 60)], T0, reservation('twice'))).allowed).toBe(true);
      const again = await limiter.reserve([check('a', minute, 60)], T0 + 1, reservation('twice'));
      expect(again).toMatchObject({ allowed: true, earlier: 'taken' });
      expect(await left('a', T0 + 2)).toBe(40);
    });

    test('a release before the reserve leaves a tombstone: the late reserve takes nothing', async () => {
      expect(await settle(limiter, 'late', 'release', T0, [counter('a', minute, 60, 0)], T0)).toBe('tombstone');
      const late = await limiter.reserve([check('a', minute, 60)], T0 + 1, reservation('late'));
      expect(late).toMatchObject({ allowed: false, earlier: 'released' });
      expect(await left('a', T0 + 2)).toBe(100);
      // The tombstone stays: releasing again does nothing more.
      expect(await settle(limiter, 'late', 'release', T0, [counter('a', minute, 60, 0)], T0 + 3)).toBe('absent');
    });

    test('a release after the reserve refunds it, once', async () => {
      await limiter.reserve([check('a', minute, 60), check('k', bucket, 30)], T0, reservation('given-up'));
      const counters = [counter('a', minute, 60, 0), counter('k', bucket, 30, 0)];
      expect(await settle(limiter, 'given-up', 'release', T0, counters, T0 + 10)).toBe('applied');
      expect(await left('a', T0 + 20)).toBe(100);
      expect((await limiter.reserve([check('k', bucket, 0)], T0 + 20)).statuses[0].remaining).toBe(100);
      // A retry of the same release (its first answer was lost) finds nothing to refund.
      expect(await settle(limiter, 'given-up', 'release', T0, counters, T0 + 30)).toBe('tombstone');
      expect(await left('a', T0 + 40)).toBe(100);
    });

    test('settling twice charges once', async () => {
      await limiter.reserve([check('a', minute, 60)], T0, reservation('done'));
      expect(await settle(limiter, 'done', 'settle', T0, [counter('a', minute, 60, 80)], T0 + 10)).toBe('applied');
      expect(await settle(limiter, 'done', 'settle', T0, [counter('a', minute, 60, 80)], T0 + 20)).toBe('absent');
      expect(await left('a', T0 + 30)).toBe(20);
    });

    test('an unconfirmed reservation is charged its usage once, whether or not its reserve ran', async () => {
      // Never ran: the usage is charged, and the reserve arriving later takes nothing.
      expect(await settle(limiter, 'open-1', 'charge', T0, [counter('a', minute, 60, 25)], T0 + 10)).toBe('applied');
      expect((await limiter.reserve([check('a', minute, 60)], T0 + 20, reservation('open-1'))).earlier).toBe('settled');
      expect(await settle(limiter, 'open-1', 'release', T0, [counter('a', minute, 60, 0)], T0 + 30)).toBe('absent');
      expect(await left('a', T0 + 40)).toBe(75);
      // Ran (late, before its release): the difference is charged, and the release finds it settled.
      await limiter.reserve([check('a', minute, 60)], T0 + 50, reservation('open-2'));
      expect(await settle(limiter, 'open-2', 'charge', T0 + 50, [counter('a', minute, 60, 5)], T0 + 60)).toBe('applied');
      expect(await settle(limiter, 'open-2', 'charge', T0 + 50, [counter('a', minute, 60, 5)], T0 + 70)).toBe('absent');
      expect(await settle(limiter, 'open-2', 'release', T0 + 50, [counter('a', minute, 60, 0)], T0 + 80)).toBe('absent');
      expect(await left('a', T0 + 90)).toBe(70);
    });

    test('a refused reserve leaves no record: nothing to release, and the id may reserve again', async () => {
      await limiter.reserve([check('a', minute, 90)], T0);
      expect((await limiter.reserve([check('a', minute, 20)], T0 + 1, reservation('refused'))).allowed).toBe(false);
      expect(await settle(limiter, 'refused', 'settle', T0, [counter('a', minute, 20, 0)], T0 + 2)).toBe('absent');
      expect(await left('a', T0 + 3)).toBe(10);
    });
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

  test('a reserve that timed out runs when Redis wakes up; a release refunds it, whether sent before or after it ran', async () => {
    const limiter = new RedisLimiter({ url: redis.url, timeoutMs: 100, keyPrefix: 'frozen', logger: silentLogger });
    await waitUntilUsable(limiter);
    const left = async (): Promise<number> => (await limiter.reserve([check('a', minute, 0)], T0)).statuses[0].remaining;
    let thawed = redis.freeze(500);
    await expect(limiter.reserve([check('a', minute, 60)], T0, reservation('slow'))).rejects.toBeInstanceOf(LimiterUnavailableError);
    await thawed;
    await waitUntilUsable(limiter);
    // The reserve aigw gave up on ran anyway: without a release, these 60 would stay taken.
    expect(await left()).toBe(40);
    expect(await settle(limiter, 'slow', 'release', T0, [counter('a', minute, 60, 0)], T0)).toBe('applied');
    expect(await left()).toBe(100);

    // A release sent while Redis is still frozen runs right after the reserve, in order.
    thawed = redis.freeze(500);
    await expect(limiter.reserve([check('a', minute, 60)], T0, reservation('slower'))).rejects.toBeInstanceOf(LimiterUnavailableError);
    await expect(settle(limiter, 'slower', 'release', T0, [counter('a', minute, 60, 0)], T0)).rejects.toBeInstanceOf(LimiterUnavailableError);
    await thawed;
    await waitUntilUsable(limiter);
    expect(await left()).toBe(100);
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
