import OpenAI from 'openai';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { RedisServer } from '../src/testing/redis-server';
import { Stack, TEST_KEY, describeE2E, metricValue, waitFor } from './harness';

const MESSAGES = [{ role: 'user' as const, content: 'hello there' }];

/** Three requests per hour per API key, counted in Redis. */
function config(redisUrl: string, providerUrl: string, failureMode: 'open' | 'closed'): Record<string, unknown> {
  return {
    backends: [{ name: 'fake', kind: 'openai', baseUrl: `${providerUrl}/v1` }],
    models: [{ name: 'counted', backends: [{ backend: 'fake' }] }],
    rateLimits: {
      store: { redis: { url: redisUrl, timeoutMs: 50, keyPrefix: `e2e-${failureMode}` } },
      failureMode,
      descriptors: [{ key: 'metric', value: 'requests', descriptors: [{ key: 'caller', rate_limit: { unit: 'hour', requests_per_unit: 3 } }] }],
    },
  };
}

async function status(client: OpenAI): Promise<number> {
  return client.chat.completions.create({ model: 'counted', max_tokens: 5, messages: MESSAGES }).then(
    () => 200,
    (error: unknown) => (error instanceof OpenAI.APIError ? (error.status ?? 0) : -1),
  );
}

/**
 * Limits shared by a fleet through one Redis, and what happens when Redis goes away: two
 * Envoy + aigw pairs, both failing open, and a third failing closed.
 */
describeE2E('rate limits in Redis across a fleet', () => {
  let redis: RedisServer;
  let provider: FakeProvider;
  let first: Stack;
  let second: Stack;
  let closed: Stack;
  const clients: Record<'first' | 'second' | 'closed', OpenAI> = {} as Record<'first' | 'second' | 'closed', OpenAI>;

  beforeAll(async () => {
    redis = await RedisServer.start();
    provider = await FakeProvider.start({ name: 'fleet' });
    first = await Stack.start({ config: config(redis.url, provider.url, 'open') });
    second = await Stack.start({ config: config(redis.url, provider.url, 'open') });
    closed = await Stack.start({ config: config(redis.url, provider.url, 'closed') });
    clients.first = new OpenAI({ apiKey: TEST_KEY, baseURL: `${first.baseUrl}/v1`, maxRetries: 0 });
    clients.second = new OpenAI({ apiKey: TEST_KEY, baseURL: `${second.baseUrl}/v1`, maxRetries: 0 });
    clients.closed = new OpenAI({ apiKey: TEST_KEY, baseURL: `${closed.baseUrl}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await Promise.all([first?.stop(), second?.stop(), closed?.stop()]);
    await provider?.close();
    await redis?.stop();
  });

  test('two gateway pairs sharing one Redis share one limit', async () => {
    expect([await status(clients.first), await status(clients.second), await status(clients.first)]).toEqual([200, 200, 200]);
    expect([await status(clients.second), await status(clients.first)]).toEqual([429, 429]);
  });

  test('Redis stopped: fail-open admits and counts it, fail-closed refuses; restarted: limits hold again without a restart, counting what was admitted meanwhile', async () => {
    await redis.stop();
    expect([await status(clients.first), await status(clients.second)]).toEqual([200, 200]);
    const error = await clients.closed.chat.completions.create({ model: 'counted', max_tokens: 5, messages: MESSAGES }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).error).toMatchObject({
      message: 'Rate limits cannot be checked right now and this gateway fails closed; retry shortly.',
      code: 'rate_limit_exceeded',
    });
    expect(metricValue(await first.metricsText(), 'aigw_ratelimit_decisions_total{domain="aigw",metric="requests",result="failed_open"}')).toBe(1);
    expect(metricValue(await closed.metricsText(), 'aigw_ratelimit_decisions_total{domain="aigw",metric="requests",result="failed_closed"}')).toBe(1);

    // A restarted Redis starts empty; the clients reconnect on their own.
    await redis.resume();
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (await status(clients.closed)) !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await status(clients.closed)).toBe(200);
    // The two requests admitted while Redis was down are counted once it is back (their
    // settlements are retried), so the shared limit of 3 has room for one more.
    const charged = 'aigw_ratelimit_retries_total{operation="settle",result="succeeded"}';
    await waitFor(async () => metricValue(await first.metricsText(), charged) === 1 && metricValue(await second.metricsText(), charged) === 1);
    expect([await status(clients.first), await status(clients.second), await status(clients.first)]).toEqual([200, 429, 429]);
  });
});
