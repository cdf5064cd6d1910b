import { RedisServer } from '../testing/redis-server';
import { RedisPinStore } from './redis-pin-store';
import { ToolPins } from './tool-pins';

/** Two replicas' pins sharing one real redis-server (the CI installs it; tests never skip). */
describe('pins in Redis', () => {
  let redis: RedisServer;
  const stores: RedisPinStore[] = [];

  const replica = async (mode: 'warn' | 'enforce' = 'enforce'): Promise<ToolPins> => {
    const store = new RedisPinStore({ url: redis.url, timeoutMs: 100, keyPrefix: `test${Date.now()}${stores.length}` });
    stores.push(store);
    await store.ready();
    return new ToolPins(mode, store);
  };

  beforeAll(async () => {
    redis = await RedisServer.start();
  });

  afterAll(async () => {
    // Redis first: the clients' sockets then close at once, leaving no disconnect timer behind.
    await redis?.stop();
    await Promise.all(stores.map((store) => store.close()));
  });

  test('a change is flagged once for the fleet, and one approval counts on every replica', async () => {
    const prefix = `fleet${Date.now()}`;
    const [a, b] = [0, 1].map(() => {
      const store = new RedisPinStore({ url: redis.url, timeoutMs: 1000, keyPrefix: prefix });
      stores.push(store);
      return new ToolPins('enforce', store);
    });
    await Promise.all(stores.slice(-2).map((store) => store.ready()));
    expect((await a.observe('github', [{ name: 'list', hash: 'h1' }])).get('list')).toEqual({ verdict: 'first-seen', hidden: false });
    expect((await b.observe('github', [{ name: 'list', hash: 'h1' }])).get('list')).toEqual({ verdict: 'pinned', hidden: false });
    expect((await b.observe('github', [{ name: 'list', hash: 'h2' }])).get('list')).toEqual({ verdict: 'changed', hidden: true });
    expect((await a.observe('github', [{ name: 'list', hash: 'h2' }])).get('list')).toEqual({ verdict: 'still-changed', hidden: true });
    expect(await a.blocked('github', 'list')).toBe(true);
    expect(await b.approve('github', 'list', 'h2')).toEqual({ approved: 'h2' });
    expect(await a.blocked('github', 'list')).toBe(false);
    expect((await a.observe('github', [{ name: 'list', hash: 'h2' }])).get('list')).toEqual({ verdict: 'pinned', hidden: false });
  });

  test('two replicas seeing a new tool at once keep one pin', async () => {
    const prefix = `race${Date.now()}`;
    const [a, b] = [0, 1].map(() => {
      const store = new RedisPinStore({ url: redis.url, timeoutMs: 1000, keyPrefix: prefix });
      stores.push(store);
      return new ToolPins('enforce', store);
    });
    await Promise.all(stores.slice(-2).map((store) => store.ready()));
    const [first, second] = await Promise.all([a.observe('s', [{ name: 't', hash: 'one' }]), b.observe('s', [{ name: 't', hash: 'two' }])]);
    const verdicts = [first.get('t')?.verdict, second.get('t')?.verdict].sort();
    // One replica pinned its hash; the other found that pin and flagged its own as a change.
    expect(verdicts).toEqual(['changed', 'first-seen']);
  });

  test('Redis down: the store fails, so the caller can fail closed', async () => {
    const pins = await replica();
    await redis.stop();
    try {
      await expect(pins.blocked('s', 't')).rejects.toThrow();
      await expect(pins.observe('s', [{ name: 't', hash: 'h' }])).rejects.toThrow();
    } finally {
      await redis.resume();
    }
    // Back up: the client reconnects by itself.
    await stores[stores.length - 1].ready();
    expect(await pins.blocked('s', 't')).toBe(false);
  });
});
