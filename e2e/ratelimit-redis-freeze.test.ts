import { FakeProvider } from '../src/fake-provider/fake-provider';
import { counterKey } from '../src/ratelimit/rate-limit-service';
import { RedisServer } from '../src/testing/redis-server';
import { Stack, describeE2E, metricValue, waitFor } from './harness';

const MESSAGES = [{ role: 'user' as const, content: 'hello there' }];
/** The fake provider's usage for MESSAGES: 2 words + 3 per message in, 4 out. */
const USED = 5 + 4;
const LIMIT = 10_000_000;
const REQUESTS = 120;
const SPACING_MS = 25;

function config(redisUrl: string, providerUrl: string, failureMode: 'open' | 'closed'): Record<string, unknown> {
  return {
    backends: [{ name: 'fake', kind: 'openai', baseUrl: `${providerUrl}/v1` }],
    models: [{ name: 'frozen', backends: [{ backend: 'fake' }] }],
    rateLimits: {
      store: { redis: { url: redisUrl, timeoutMs: 250, keyPrefix: `freeze-${failureMode}` } },
      failureMode,
      // aigw answers within its store's 250 ms; Envoy's own timeout stays out of the way on a busy machine.
      envoyTimeoutMs: 2000,
      descriptors: [{ key: 'metric', value: 'tokens', descriptors: [{ key: 'team', rate_limit: { unit: 'day', requests_per_unit: LIMIT } }] }],
    },
  };
}

/**
 * A Redis that stalls for 2 seconds in the middle of a burst: reserves aigw gave up on still
 * run when Redis wakes up, and settlements of requests that ended meanwhile wait. Once every
 * request has ended and every retry is done, the counter must hold exactly what the admitted
 * requests used: nothing stranded, nothing lost.
 */
describeE2E('a Redis freeze during a burst strands no tokens', () => {
  let redis: RedisServer;
  let provider: FakeProvider;

  beforeAll(async () => {
    redis = await RedisServer.start();
    provider = await FakeProvider.start({ name: 'freeze' });
  });

  afterAll(async () => {
    await provider?.close();
    await redis?.stop();
  });

  const body = { model: 'frozen', max_tokens: 50, messages: MESSAGES };

  /** Sends requests until one is admitted (the limiter's connection is up); how many were. */
  async function warmUp(stack: Stack): Promise<number> {
    await waitFor(async () => {
      const response = await stack.post('/v1/chat/completions', body);
      await response.arrayBuffer();
      return response.status === 200;
    });
    return 1;
  }

  /** Sends REQUESTS requests SPACING_MS apart with Redis frozen from 0.5 s to 2.5 s; their statuses. */
  async function burst(stack: Stack): Promise<number[]> {
    const thawed = new Promise<void>((resolve) => setTimeout(() => void redis.freeze(2000).then(resolve), 500));
    const statuses = await Promise.all(
      Array.from({ length: REQUESTS }, (_, index) =>
        new Promise((resolve) => setTimeout(resolve, index * SPACING_MS)).then(() => stack.post('/v1/chat/completions', body)).then(async (response) => (await response.arrayBuffer(), response.status)),
      ),
    );
    await thawed;
    return statuses;
  }

  /** The team's counter once every reservation is settled and every retry is done. */
  async function charged(stack: Stack): Promise<number> {
    await waitFor(async () => stack.gateway.rateLimits?.held === 0 && metricValue(await stack.metricsText(), 'aigw_ratelimit_retry_queue') === 0, 20_000);
    const entries = [
      { key: 'metric', value: 'tokens' },
      { key: 'team', value: 'team-e2e' },
    ];
    const limit = stack.runtime.rateLimits?.tree.match(entries);
    if (!limit || !stack.gateway.limiter) throw new Error('no limit');
    const decision = await stack.gateway.limiter.reserve([{ key: counterKey('aigw', entries), rule: limit.rule, hits: 0, shadow: false }]);
    return LIMIT - decision.statuses[0].remaining;
  }

  test.each(['closed', 'open'] as const)('failing %s: the tokens left charged are exactly what the admitted requests used', async (failureMode) => {
    const stack = await Stack.start({ config: config(redis.url, provider.url, failureMode) });
    try {
      const warmed = await warmUp(stack);
      const statuses = await burst(stack);
      const admitted = warmed + statuses.filter((status) => status === 200).length;
      const refused = statuses.filter((status) => status === 429).length;
      expect(admitted - warmed + refused).toBe(REQUESTS);
      const metrics = await stack.metricsText();
      // The freeze did hit requests: refused (closed) or admitted without a reservation (open).
      expect(metricValue(metrics, `aigw_ratelimit_decisions_total{domain="aigw",metric="tokens",result="failed_${failureMode}"}`)).toBeGreaterThan(0);
      const total = await charged(stack);
      const stranded = total - admitted * USED;
      console.log(`Redis freeze, failing ${failureMode}: ${admitted} admitted, ${refused} refused; charged ${total} tokens for ${admitted * USED} used: ${stranded} stranded`);
      expect(stranded).toBe(0);
    } finally {
      await stack.stop();
    }
  }, 60_000);
});
