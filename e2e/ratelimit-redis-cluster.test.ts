import OpenAI from 'openai';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { RedisCluster } from '../src/testing/redis-cluster';
import { Stack, adminCall, describeE2E, fakeReservedPrompt, metricValue, settledCounter, waitFor } from './harness';

const ADMIN_TOKEN = 'e2e-admin-token-cluster';
const MESSAGES = [{ role: 'user' as const, content: 'hello there' }];
/** The fake provider's usage for MESSAGES: 2 words + 3 per message in, 4 out. */
const USED = 5 + 4;
const LIMIT = 5000;
const TEAM_TOKENS = [
  { key: 'metric', value: 'tokens' },
  { key: 'team', value: 'team-e2e' },
];

/** One token limit per team per day; counters and admin records on the cluster. */
function config(clusterUrl: string, providerUrl: string): Record<string, unknown> {
  return {
    backends: [{ name: 'fake', kind: 'openai', baseUrl: `${providerUrl}/v1` }],
    models: [
      { name: 'burst', backends: [{ backend: 'fake' }] },
      { name: 'priced', backends: [{ backend: 'fake' }] },
    ],
    // 1000 $/M = 1000 micro-dollars per token, so the budget is easy to count in tokens.
    prices: [{ model: 'priced', input: 1000, output: 1000 }],
    rateLimits: {
      store: { redis: { url: clusterUrl, cluster: true, timeoutMs: 250, keyPrefix: 'cluster-e2e' } },
      failureMode: 'closed',
      // aigw answers within its store's 250 ms; Envoy's own timeout stays out of the way on a busy machine.
      envoyTimeoutMs: 2000,
      descriptors: [
        { key: 'metric', value: 'tokens', descriptors: [{ key: 'team', rate_limit: { unit: 'day', requests_per_unit: LIMIT } }] },
        { key: 'metric', value: 'usd', descriptors: [{ key: 'project', descriptors: [{ key: 'model', value: 'priced', rate_limit: { unit: 'day', usd_per_unit: 0.1 } }] }] },
      ],
    },
    // No admin.store: it defaults to the rate-limit store, the cluster.
    admin: { token: { env: 'AIGW_ADMIN_TOKEN' } },
  };
}

async function chatStatus(client: OpenAI): Promise<number> {
  return client.chat.completions.create({ model: 'burst', max_tokens: 5, messages: MESSAGES }).then(
    () => 200,
    (error: unknown) => (error instanceof OpenAI.APIError ? (error.status ?? 0) : -1),
  );
}

/**
 * Two Envoy + aigw pairs whose limits and admin records live on a real three-node Redis
 * Cluster (formed with `redis-cli --cluster create`): one shared token limit under a burst
 * from both pairs, settlement refunds, a dollar budget, admin keys and limits written on one
 * pair and honoured on the other, and the loss of the node holding the counters.
 */
describeE2E('rate limits and admin state on a Redis Cluster', () => {
  let cluster: RedisCluster;
  let provider: FakeProvider;
  let first: Stack;
  let second: Stack;
  const env = { ...process.env, AIGW_ADMIN_TOKEN: ADMIN_TOKEN };
  const body = { model: 'burst', max_tokens: 50, messages: MESSAGES };
  const post = async (stack: Stack, request: Record<string, unknown> = body): Promise<number> => {
    const response = await stack.post('/v1/chat/completions', request);
    await response.arrayBuffer();
    return response.status;
  };

  beforeAll(async () => {
    cluster = await RedisCluster.start();
    provider = await FakeProvider.start({ name: 'cluster' });
    first = await Stack.start({ config: config(cluster.url, provider.url), env });
    second = await Stack.start({ config: config(cluster.url, provider.url), env });
  }, 60_000);

  afterAll(async () => {
    await Promise.all([first?.stop(), second?.stop()]);
    await provider?.close();
    await cluster?.stop();
  });

  beforeEach(() => provider.reset());

  test('a refund: a request reserving 50 output tokens and using 4 leaves exactly its usage on the shared counter, seen by both pairs', async () => {
    // Admitted once each pair's Cluster client has read the slot map.
    await waitFor(async () => (await post(first)) === 200);
    await waitFor(async () => (await post(second)) === 200);
    const before = await settledCounter(first, TEAM_TOKENS);
    expect(before).toBe(2 * USED);
    expect(await post(second)).toBe(200);
    expect(await settledCounter(second, TEAM_TOKENS)).toBe(before + USED);
    expect(await settledCounter(first, TEAM_TOKENS)).toBe(before + USED);
  }, 30_000);

  test('a dollar budget shared by both pairs: $0.10 a day admits exactly ten requests of $0.009 each, alternating pairs', async () => {
    const entries = [
      { key: 'metric', value: 'usd' },
      { key: 'project', value: 'project-e2e' },
      { key: 'model', value: 'priced' },
    ];
    const priced = { model: 'priced', max_tokens: 5, messages: MESSAGES };
    // Each request reserves (prompt estimate + 5) × $0.001 = $0.013 and settles at 9 × $0.001.
    expect(fakeReservedPrompt(priced) + priced.max_tokens).toBe(13);
    const statuses: number[] = [];
    for (let index = 0; index < 11; index += 1) {
      const stack = index % 2 === 0 ? first : second;
      statuses.push(await post(stack, priced));
      await settledCounter(stack, entries);
    }
    // After ten, $0.010 is left: less than the next reservation of $0.013.
    expect(statuses).toEqual([...Array.from({ length: 10 }, () => 200), 429]);
    expect(await settledCounter(first, entries)).toBe(10 * USED * 1000);
    expect(await settledCounter(second, entries)).toBe(10 * USED * 1000);
  }, 60_000);

  test('100 concurrent requests on each pair against one limit: admitted usage within the limit, overshoot at most one reservation, the counter exactly the usage', async () => {
    const reserved = fakeReservedPrompt(body) + body.max_tokens;
    // Worst case for a limiter: every admitted request really uses all it reserved.
    const usage = { prompt_tokens: reserved - body.max_tokens, completion_tokens: body.max_tokens, total_tokens: reserved };
    const answer = { id: 'chatcmpl-burst', object: 'chat.completion', created: 0, model: 'burst', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage };
    const start = await settledCounter(first, TEAM_TOKENS);
    provider.enqueue(...Array.from({ length: 200 }, () => ({ kind: 'json' as const, status: 200, body: answer })));
    const statuses = await Promise.all(Array.from({ length: 200 }, (_, index) => post(index % 2 === 0 ? first : second)));
    const admitted = statuses.filter((status) => status === 200).length;
    expect(admitted + statuses.filter((status) => status === 429).length).toBe(200);
    const total = await settledCounter(first, TEAM_TOKENS);
    await settledCounter(second, TEAM_TOKENS);
    const overshoot = Math.max(0, total - LIMIT);
    console.log(`Redis Cluster, 2 × 100 concurrent through two Envoy + aigw pairs: ${admitted} admitted of ${reserved} tokens each (counter at ${start} before); counter ${total} of ${LIMIT}; overshoot ${overshoot}; stranded ${total - start - admitted * reserved}`);
    const timedOut = [first, second].map(async (stack) => metricValue(await stack.metricsText(), 'aigw_ratelimit_decisions_total{domain="aigw",metric="tokens",result="failed_closed"}'));
    // Every refusal was for lack of room, unless the store timed out on this busy machine.
    if ((await Promise.all(timedOut)).every((count) => count === 0)) expect(admitted).toBe(Math.floor((LIMIT - start) / reserved));
    else expect(admitted).toBeLessThanOrEqual(Math.floor((LIMIT - start) / reserved));
    expect(overshoot).toBeLessThanOrEqual(reserved);
    expect(total).toBe(start + admitted * reserved);
  }, 60_000);

  test('admin state: a key created on one pair works on the other, its runtime limit holds across both, and a revocation on the other reaches the first', async () => {
    // A minute boundary between this test's requests would reset the window: start early in a minute.
    if (new Date().getSeconds() > 50) await new Promise((resolve) => setTimeout(resolve, (61 - new Date().getSeconds()) * 1000));
    const created = await adminCall(first, ADMIN_TOKEN, 'POST', '/admin/keys', { name: 'svc-cluster', team: 'research', project: 'alpha' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'svc-cluster', team: 'research', project: 'alpha', status: 'active', storage: 'redis' });
    const id = created.body.id as string;
    const one = new OpenAI({ apiKey: created.body.key as string, baseURL: `${first.baseUrl}/v1`, maxRetries: 0 });
    const two = new OpenAI({ apiKey: created.body.key as string, baseURL: `${second.baseUrl}/v1`, maxRetries: 0 });
    // The second pair hears of the key through the cluster's pub/sub.
    await waitFor(async () => (await chatStatus(two)) === 200, 2000);
    expect(await adminCall(second, ADMIN_TOKEN, 'PUT', `/admin/keys/${id}/limits`, { requestsPerMinute: 3 })).toEqual({ status: 200, body: { id, limits: { requestsPerMinute: 3 }, enforced: true, storage: 'redis' } });
    await waitFor(async () => JSON.stringify((await adminCall(first, ADMIN_TOKEN, 'GET', `/admin/keys/${id}/limits`)).body.limits) === '{"requestsPerMinute":3}', 2000);
    const statuses = [];
    for (const client of [one, two, one, two, one]) statuses.push(await chatStatus(client));
    // Three a minute for the key, counted once for both pairs (the request before the limit was set is not).
    expect(statuses).toEqual([200, 200, 200, 429, 429]);

    expect(await adminCall(second, ADMIN_TOKEN, 'DELETE', `/admin/keys/${id}`)).toMatchObject({ status: 200, body: { status: 'revoked' } });
    await waitFor(async () => (await chatStatus(one)) === 401, 2000);
  }, 90_000);

  test("the node holding the counters' slot killed: both pairs fail closed; back: they admit again without a restart", async () => {
    // A team of its own, so its counter has room: a refusal can only be the store's.
    const created = await adminCall(first, ADMIN_TOKEN, 'POST', '/admin/keys', { name: 'svc-outage', team: 'outage', project: 'alpha' });
    const clients = [first, second].map((stack) => new OpenAI({ apiKey: created.body.key as string, baseURL: `${stack.baseUrl}/v1`, maxRetries: 0 }));
    await waitFor(async () => (await chatStatus(clients[1])) === 200, 2000);
    expect(await chatStatus(clients[0])).toBe(200);
    const failedClosed = async (stack: Stack): Promise<number> => metricValue(await stack.metricsText(), 'aigw_ratelimit_decisions_total{domain="aigw",metric="tokens",result="failed_closed"}');
    const before = await Promise.all([first, second].map(failedClosed));
    const port = await cluster.portOf('{cluster-e2e}');
    await cluster.stopNode(port);
    try {
      for (const client of clients) {
        const error = await client.chat.completions.create({ model: 'burst', max_tokens: 5, messages: MESSAGES }).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(OpenAI.RateLimitError);
        expect((error as InstanceType<typeof OpenAI.RateLimitError>).error).toMatchObject({ message: 'Rate limits cannot be checked right now and this gateway fails closed; retry shortly.', code: 'rate_limit_exceeded' });
      }
      expect(await Promise.all([first, second].map(failedClosed))).toEqual(before.map((count) => count + 1));
    } finally {
      await cluster.resumeNode(port);
    }
    // The node came back empty (no persistence, no replica): counters start again from
    // nothing, and the admin records on that slot are gone too, so the configured caller asks.
    const restarted = Date.now();
    await waitFor(async () => (await post(first)) === 200, 20_000);
    await waitFor(async () => (await post(second)) === 200, 20_000);
    expect(await settledCounter(first, TEAM_TOKENS)).toBe(2 * USED);
    console.log(`Redis Cluster node restarted: both pairs admit again after ${Date.now() - restarted} ms`);
  }, 90_000);
});
