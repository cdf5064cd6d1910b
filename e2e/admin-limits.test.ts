import OpenAI from 'openai';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { RedisServer } from '../src/testing/redis-server';
import { Stack, adminCall, describeE2E } from './harness';

const ADMIN_TOKEN = 'e2e-admin-token-limits';
const MESSAGES = [{ role: 'user' as const, content: 'hello there' }];

/** Calls one gateway's admin API. */
function admin(stack: Stack, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  return adminCall(stack, ADMIN_TOKEN, method, path, body);
}

async function status(client: OpenAI): Promise<number> {
  return client.chat.completions.create({ model: 'counted', max_tokens: 5, messages: MESSAGES }).then(
    () => 200,
    (error: unknown) => (error instanceof OpenAI.APIError ? (error.status ?? 0) : -1),
  );
}

/** Per-minute counters: start a test well inside a minute so it cannot straddle two windows. */
async function awayFromMinuteEdge(): Promise<void> {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 55_000) await new Promise((resolve) => setTimeout(resolve, 60_000 - intoMinute + 100));
}

/**
 * Limits set through the admin API, enforced by Envoy's ratelimit filter and aigw's
 * rate-limit service, for two Envoy + aigw pairs sharing Redis (counters and admin records).
 * The config has a rateLimits section with no descriptors of its own.
 */
describeE2E('admin API limits through Envoy', () => {
  let redis: RedisServer;
  let provider: FakeProvider;
  let first: Stack;
  let second: Stack;
  const env = { ...process.env, AIGW_ADMIN_TOKEN: ADMIN_TOKEN };

  beforeAll(async () => {
    redis = await RedisServer.start();
    provider = await FakeProvider.start({ name: 'limits' });
    const config = {
      backends: [{ name: 'fake', kind: 'openai', baseUrl: `${provider.url}/v1` }],
      models: [{ name: 'counted', backends: [{ backend: 'fake' }] }],
      rateLimits: { store: { redis: { url: redis.url, keyPrefix: 'e2e-admin-limits' } } },
      // No admin.store: it defaults to the rate-limit Redis.
      admin: { token: { env: 'AIGW_ADMIN_TOKEN' } },
    };
    first = await Stack.start({ config, env });
    second = await Stack.start({ config, env });
  });

  afterAll(async () => {
    await Promise.all([first?.stop(), second?.stop()]);
    await provider?.close();
    await redis?.stop();
  });

  test("a key's requests per minute, set at runtime, hold across both pairs; raising it lets more through", async () => {
    await awayFromMinuteEdge();
    const created = await admin(first, 'POST', '/admin/keys', { name: 'svc-limited', team: 'research', project: 'alpha' });
    expect(created.body.storage).toBe('redis');
    const key = created.body.key as string;
    const id = created.body.id as string;
    expect(await admin(first, 'PUT', `/admin/keys/${id}/limits`, { requestsPerMinute: 2 })).toEqual({ status: 200, body: { id, limits: { requestsPerMinute: 2 }, enforced: true, storage: 'redis' } });
    const one = new OpenAI({ apiKey: key, baseURL: `${first.baseUrl}/v1`, maxRetries: 0 });
    const two = new OpenAI({ apiKey: key, baseURL: `${second.baseUrl}/v1`, maxRetries: 0 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect([await status(one), await status(two), await status(one), await status(two)]).toEqual([200, 200, 429, 429]);
    const error = await one.chat.completions.create({ model: 'counted', messages: MESSAGES }).catch((caught: unknown) => caught);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).error).toMatchObject({ code: 'rate_limit_exceeded' });
    // The retry time depends on when in the minute the test runs.
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).error).toEqual({
      message: expect.stringMatching(/^Rate limit exceeded: requests per minute for caller=svc-limited \(admin\)\. Limit 2 requests, 0 requests left, this request needs up to 1 requests; retry in \d+ seconds?\.$/),
      type: 'rate_limit_error',
      param: null,
      code: 'rate_limit_exceeded',
    });

    await admin(second, 'PUT', `/admin/keys/${id}/limits`, { requestsPerMinute: 3 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect([await status(one), await status(two)]).toEqual([200, 429]);
  });

  test("a team's token budget per minute, set at runtime, refuses once spent", async () => {
    await awayFromMinuteEdge();
    const created = await admin(first, 'POST', '/admin/keys', { name: 'svc-team', team: 'tight', project: 'alpha' });
    const client = new OpenAI({ apiKey: created.body.key as string, baseURL: `${first.baseUrl}/v1`, maxRetries: 0 });
    // Each request reserves its prompt estimate with the margin of an unknown tokenizer (8) plus
    // max_tokens 5, and settles at the 9 tokens the fake provider reports (when its stream is
    // done: a short pause lets that land).
    await admin(first, 'PUT', '/admin/teams/tight/limits', { tokensPerMinute: 32 });
    const results: number[] = [];
    for (let index = 0; index < 5; index += 1) {
      results.push(await status(client));
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    // 3 × 9 = 27 used: the fourth reservation (13) no longer fits in 32.
    expect(results).toEqual([200, 200, 200, 429, 429]);
  });
});
