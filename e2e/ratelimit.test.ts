import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { Stack, TEST_KEY, describeE2E, fakeReservedPrompt, metricSum, metricValue, settledCounter } from './harness';

/** What aigw reserves for a chat request: its prompt estimate with the fake's margin (an unknown tokenizer), plus max_tokens. */
function reservation(body: Record<string, unknown>): number {
  return fakeReservedPrompt(body) + Number(body.max_tokens);
}

const MESSAGES = [{ role: 'user' as const, content: 'hello there' }];
/** The fake provider's usage for MESSAGES: 2 words + 3 per message in, 4 out. */
const USED = 5 + 4;

/**
 * Token quotas and dollar budgets through real Envoy: the ratelimit filter asks aigw's
 * rate-limit service at admission (the reservation); aigw settles when the response ends.
 */
describeE2E('token quotas and budgets through Envoy', () => {
  let provider: FakeProvider;
  let stack: Stack;
  let client: OpenAI;

  beforeAll(async () => {
    provider = await FakeProvider.start({ name: 'limited' });
    stack = await Stack.start({
      config: {
        backends: [{ name: 'fake', kind: 'openai', baseUrl: `${provider.url}/v1` }],
        models: [
          { name: 'quota-model', backends: [{ backend: 'fake' }] },
          { name: 'priced-model', backends: [{ backend: 'fake' }] },
          { name: 'burst-model', backends: [{ backend: 'fake' }] },
          { name: 'shadow-model', backends: [{ backend: 'fake' }] },
          { name: 'weighted-model', backends: [{ backend: 'fake' }] },
        ],
        // 1000 $/M = 1000 micro-dollars per token, so budgets are easy to count in tokens.
        prices: [{ model: 'priced-model', input: 1000, output: 1000 }],
        rateLimits: {
          // Envoy fails open when aigw answers later than this; a 200-request burst on a busy
          // 2-core test machine can queue that long, and this suite checks counting, not timeouts.
          envoyTimeoutMs: 5000,
          // Output tokens weigh ten times input ones.
          costs: { weighted: 'input_tokens + 10 * output_tokens' },
          descriptors: [
            { key: 'metric', value: 'weighted', descriptors: [{ key: 'model', value: 'weighted-model', rate_limit: { unit: 'hour', requests_per_unit: 100 } }] },
            {
              key: 'metric',
              value: 'tokens',
              descriptors: [
                {
                  key: 'team',
                  descriptors: [
                    { key: 'model', value: 'quota-model', rate_limit: { unit: 'hour', requests_per_unit: 1000 } },
                    { key: 'model', value: 'burst-model', rate_limit: { unit: 'hour', requests_per_unit: 5000 } },
                  ],
                },
              ],
            },
            {
              key: 'metric',
              value: 'requests',
              descriptors: [{ key: 'caller', descriptors: [{ key: 'model', value: 'shadow-model', rate_limit: { unit: 'hour', requests_per_unit: 1 }, shadow_mode: true }] }],
            },
            { key: 'metric', value: 'usd', descriptors: [{ key: 'project', descriptors: [{ key: 'model', value: 'priced-model', rate_limit: { name: 'e2e budget', unit: 'second', usd_per_unit: 0.05 } }] }] },
          ],
        },
      },
    });
    client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${stack.baseUrl}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await stack?.stop();
    await provider?.close();
  });

  beforeEach(() => provider.reset());

  test('a quota admits requests whose reservation fits, refunds what they did not use, and answers 429 in OpenAI shape', async () => {
    const first = { model: 'quota-model', max_tokens: 500, messages: MESSAGES };
    const admitted = await client.chat.completions.create(first).withResponse();
    expect(admitted.data.usage?.total_tokens).toBe(USED);
    expect(admitted.response.headers.get('x-ratelimit-remaining')).toBe(String(1000 - reservation(first)));

    // The first request settled at USED tokens: a reservation of up to 1000 - USED now fits.
    const fits = { model: 'quota-model', max_tokens: 1000 - USED - reservation({ messages: MESSAGES, max_tokens: 0 }), messages: MESSAGES };
    const second = await client.chat.completions.create(fits).withResponse();
    expect(second.response.headers.get('x-ratelimit-remaining')).toBe('0');

    // The second one settled too (2 × USED used): one more token of reservation than is left is refused.
    const tooBig = { model: 'quota-model', max_tokens: 1000 - 2 * USED - reservation({ messages: MESSAGES, max_tokens: 0 }) + 1, messages: MESSAGES };
    const error = await client.chat.completions.create(tooBig).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const rateLimited = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rateLimited.headers.get('retry-after')).toMatch(/^\d+$/);
    const left = 1000 - 2 * USED;
    expect(rateLimited.error).toMatchObject({ type: 'rate_limit_error', param: null, code: 'rate_limit_exceeded' });
    expect((rateLimited.error as { message: string }).message).toMatch(
      new RegExp(
        `^Rate limit exceeded: tokens per hour for team=team-e2e, model=quota-model\\. Limit 1000 tokens, ${left} tokens left, ` +
          `this request needs up to ${reservation(tooBig)} tokens; retry in \\d+ (seconds?|minutes)\\.$`,
      ),
    );
    // A refused request never reached the provider and consumed nothing.
    expect(provider.received).toHaveLength(2);
    const entry = await stack.waitForAccessLog((line) => line.status === 429);
    expect(entry).toMatchObject({ model: 'quota-model', response_flags: 'RL' });
  });

  test('the Anthropic SDK gets the refusal in Anthropic shape', async () => {
    const anthropic = new Anthropic({ apiKey: TEST_KEY, baseURL: stack.baseUrl, maxRetries: 0 });
    const error = await anthropic.messages.create({ model: 'quota-model', max_tokens: 5000, messages: MESSAGES }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    const body = (error as InstanceType<typeof Anthropic.RateLimitError>).error as { type: string; error: { type: string; message: string } };
    expect(body.type).toBe('error');
    expect(body.error.type).toBe('rate_limit_error');
    expect(body.error.message).toMatch(/^Rate limit exceeded: tokens per hour for team=team-e2e, model=quota-model\. Limit 1000 tokens, /);
  });

  test('a dollar budget counts real cost, blocks once spent with insufficient_quota, and opens again in its next window', async () => {
    // Budget $0.05 per second = 50,000 micro-dollars = 50 tokens at 1000 $/M.
    const ask = (maxTokens: number) => client.chat.completions.create({ model: 'priced-model', max_tokens: maxTokens, messages: MESSAGES });
    // Start at the beginning of a second so the sequence below stays in one window.
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 20));
    await ask(20); // reserves prompt + 20, spends USED tokens = $0.009
    await ask(20);
    const error = await ask(50 - 2 * USED).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const refused = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(refused.error).toMatchObject({ type: 'rate_limit_error', code: 'insufficient_quota' });
    expect((refused.error as { message: string }).message).toMatch(/^Budget exceeded: e2e budget\. Limit \$0\.05, \$0\.03 left, this request needs up to \$0\.0\d; retry in 1 second\.$/);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await expect(ask(20)).resolves.toMatchObject({ object: 'chat.completion' });
    const metrics = await stack.metricsText();
    expect(metricSum(metrics, 'gen_ai_client_cost_usd_total', { gen_ai_request_model: 'priced-model', team: 'team-e2e', project: 'project-e2e' })).toBeCloseTo(3 * USED * 0.001, 9);
  });

  test('a streamed request is charged its real usage at stream end', async () => {
    const before = metricValue(await stack.metricsText(), 'aigw_ratelimit_settled_total{domain="aigw",metric="tokens",kind="refunded"}');
    const body = { model: 'quota-model', max_tokens: 7, messages: MESSAGES };
    const stream = await client.chat.completions.create({ ...body, stream: true, stream_options: { include_usage: true } });
    let total = 0;
    for await (const chunk of stream) total = chunk.usage?.total_tokens ?? total;
    expect(total).toBe(USED);
    // Settlement follows the end of the stream inside aigw; poll the refund it records.
    const deadline = Date.now() + 5000;
    let refunded = before;
    while (Date.now() < deadline && refunded === before) {
      refunded = metricValue(await stack.metricsText(), 'aigw_ratelimit_settled_total{domain="aigw",metric="tokens",kind="refunded"}');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(refunded - before).toBe(reservation(body) - USED);
  });

  test('200 concurrent requests against one limit: admitted usage never exceeds it', async () => {
    const body = { model: 'burst-model', max_tokens: 100, messages: MESSAGES };
    const reserved = reservation(body);
    // Worst case for a limiter: every admitted request really uses all it reserved.
    const usage = { prompt_tokens: reserved - 100, completion_tokens: 100, total_tokens: reserved };
    const answer = { id: 'chatcmpl-burst', object: 'chat.completion', created: 0, model: 'burst-model', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage };
    provider.enqueue(...Array.from({ length: 200 }, () => ({ kind: 'json' as const, status: 200, body: answer })));
    const statuses = await Promise.all(
      Array.from({ length: 200 }, () => stack.post('/v1/chat/completions', body).then(async (response) => (await response.arrayBuffer(), response.status))),
    );
    const admitted = statuses.filter((status) => status === 200).length;
    const refused = statuses.filter((status) => status === 429).length;
    expect(admitted + refused).toBe(200);
    // Each admitted request reserved, then used, exactly `reserved` tokens of the 5000.
    expect(admitted).toBe(Math.floor(5000 / reserved));
    expect(admitted * reserved).toBeLessThanOrEqual(5000);
    expect(provider.received).toHaveLength(admitted);
    // Once settled, the counter holds exactly that: no overshoot, nothing stranded.
    const total = await settledCounter(stack, [
      { key: 'metric', value: 'tokens' },
      { key: 'team', value: 'team-e2e' },
      { key: 'model', value: 'burst-model' },
    ]);
    console.log(`200 concurrent (memory): ${admitted} admitted of ${reserved} tokens each; counter ${total} of 5000; overshoot ${Math.max(0, total - 5000)}`);
    expect(total).toBe(admitted * reserved);
  });

  test('shadow mode counts and reports an exceeded limit but never blocks', async () => {
    for (let i = 0; i < 3; i += 1) {
      await expect(client.chat.completions.create({ model: 'shadow-model', max_tokens: 5, messages: MESSAGES })).resolves.toMatchObject({ object: 'chat.completion' });
    }
    const metrics = await stack.metricsText();
    expect(metricValue(metrics, 'aigw_ratelimit_decisions_total{domain="aigw",metric="requests",result="shadow_over_limit"}')).toBe(2);
  });

  test('the access log carries the cost of a priced model', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1100)); // a fresh budget window
    await client.chat.completions.create({ model: 'priced-model', max_tokens: 5, messages: MESSAGES });
    const entry = await stack.waitForAccessLog((line) => line.model === 'priced-model' && line.status === 200 && line.cost_usd !== null);
    expect(entry).toMatchObject({ input_tokens: 5, output_tokens: 4, cost_usd: 0.009 });
  });

  test('a cost formula is a metric: reserved at its value for the reservation, settled at its value for the usage, logged', async () => {
    // Reserve: prompt estimate (with its margin) + 10 × 5 output tokens; use: 5 + 10 × 4 = 45 of the 100.
    const body = { model: 'weighted-model', max_tokens: 5, messages: MESSAGES };
    const first = await client.chat.completions.create(body).withResponse();
    expect(first.response.headers.get('x-ratelimit-remaining')).toBe(String(100 - (reservation({ ...body, max_tokens: 0 }) + 50)));
    const entry = await stack.waitForAccessLog((line) => line.model === 'weighted-model' && line.status === 200);
    expect(entry).toMatchObject({ input_tokens: 5, output_tokens: 4, cost_weighted: 45 });
    // 55 left; the same reservation again does not fit.
    const error = await client.chat.completions.create(body).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const needs = reservation({ ...body, max_tokens: 0 }) + 50;
    expect(((error as InstanceType<typeof OpenAI.RateLimitError>).error as { message: string }).message).toMatch(
      new RegExp(`^Rate limit exceeded: weighted per hour for model=weighted-model\\. Limit 100 weighted, 55 weighted left, this request needs up to ${needs} weighted; `),
    );
  });
});
