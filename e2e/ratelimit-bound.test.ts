import { FakeProvider } from '../src/fake-provider/fake-provider';
import { Stack, describeE2E, fakeReservedPrompt, settledCounter } from './harness';

const MESSAGES = [{ role: 'user', content: 'hello there' }];
/** rateLimits.defaultOutputTokens: the cap a request that names none is sent with. */
const CAP = 300;
const LIMIT = 5000;
const WARNING = 'the request named no output cap and rate limits reserve one (rateLimits.enforceOutputCap)';

/**
 * The reservation is an upper bound of what a request can be charged, through real Envoy: a
 * request without an output cap goes upstream with the one reserved (in the field its backend
 * reads), so admitted requests that use all they may never take a counter past its limit.
 */
describeE2E('reservations bound the charge', () => {
  let provider: FakeProvider;
  let stack: Stack;

  beforeAll(async () => {
    provider = await FakeProvider.start({ name: 'bound' });
    stack = await Stack.start({
      config: {
        backends: [
          { name: 'fake', kind: 'openai', baseUrl: `${provider.url}/v1` },
          { name: 'claude', kind: 'anthropic', baseUrl: provider.url },
          { name: 'gemini', kind: 'gemini', baseUrl: provider.url },
        ],
        models: [
          { name: 'open-model', backends: [{ backend: 'fake' }] },
          { name: 'claude-model', backends: [{ backend: 'claude' }] },
          { name: 'thinking-model', backends: [{ backend: 'claude' }] },
          { name: 'gemini-model', backends: [{ backend: 'gemini' }] },
          { name: 'bound-model', backends: [{ backend: 'fake' }] },
        ],
        rateLimits: {
          envoyTimeoutMs: 5000,
          defaultOutputTokens: CAP,
          descriptors: [
            {
              key: 'metric',
              value: 'tokens',
              descriptors: [
                {
                  key: 'team',
                  descriptors: [
                    { key: 'model', rate_limit: { unit: 'hour', requests_per_unit: 1_000_000 } },
                    { key: 'model', value: 'bound-model', rate_limit: { unit: 'hour', requests_per_unit: LIMIT } },
                  ],
                },
              ],
            },
          ],
        },
      },
    });
  });

  afterAll(async () => {
    await stack?.stop();
    await provider?.close();
  });

  beforeEach(() => provider.reset());

  const upstreamBody = (): Record<string, unknown> => provider.received[0].json as Record<string, unknown>;

  test('a chat request with no cap reaches an OpenAI-compatible server with max_tokens set to the reserved cap, and the client is told', async () => {
    const body = { model: 'open-model', messages: MESSAGES };
    const response = await stack.post('/v1/chat/completions', body);
    expect(response.status).toBe(200);
    await response.json();
    expect(upstreamBody()).toMatchObject({ max_tokens: CAP });
    expect(upstreamBody()).not.toHaveProperty('max_completion_tokens');
    expect(response.headers.get('x-aigw-warning')).toBe(`set max_tokens to ${CAP}: ${WARNING}`);
    // Reserved: the prompt with an unknown tokenizer's 30% (6 o200k tokens → 8) and the cap.
    expect(fakeReservedPrompt(body)).toBe(8);
    expect(response.headers.get('x-ratelimit-remaining')).toBe(String(1_000_000 - (8 + CAP)));
  });

  test('a client’s own cap goes as sent, without a warning', async () => {
    const response = await stack.post('/v1/chat/completions', { model: 'open-model', max_completion_tokens: 7, messages: MESSAGES });
    await response.json();
    expect(upstreamBody()).toMatchObject({ max_completion_tokens: 7 });
    expect(upstreamBody()).not.toHaveProperty('max_tokens');
    expect(response.headers.get('x-aigw-warning')).toBeNull();
  });

  test('translated backends get the cap in their own field: Anthropic max_tokens, Gemini maxOutputTokens', async () => {
    const claude = await stack.post('/v1/chat/completions', { model: 'claude-model', messages: MESSAGES });
    await claude.json();
    expect(provider.received[0].path).toBe('/v1/messages');
    expect(upstreamBody()).toMatchObject({ max_tokens: CAP });
    expect(claude.headers.get('x-aigw-warning')).toBe(`set max_completion_tokens to ${CAP}: ${WARNING}`);
    provider.reset();
    const gemini = await stack.post('/v1/chat/completions', { model: 'gemini-model', messages: MESSAGES });
    await gemini.json();
    expect(upstreamBody()).toMatchObject({ generationConfig: { maxOutputTokens: CAP } });
  });

  test('a thinking budget the Claude translation raises max_tokens for is reserved too', async () => {
    const response = await stack.post('/v1/chat/completions', { model: 'thinking-model', reasoning_effort: 'low', messages: MESSAGES });
    await response.json();
    // The low budget is 1024 and max_tokens must exceed it: 1024 + 1024 of answer room.
    expect(upstreamBody()).toMatchObject({ max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 1024 } });
    expect(response.headers.get('x-aigw-warning')).toBe(`set max_completion_tokens to ${CAP}: ${WARNING}; raised max_tokens to 2048: anthropic needs it above the thinking budget of 1024`);
    // The reservation counted 2048 output tokens, not the 300 the request was given.
    expect(response.headers.get('x-ratelimit-remaining')).toBe(String(1_000_000 - (fakeReservedPrompt({ messages: MESSAGES }) + 2048)));
  });

  test('a Responses API request with no cap gets max_output_tokens', async () => {
    const response = await stack.post('/v1/responses', { model: 'open-model', input: 'hello there' });
    await response.json();
    expect(upstreamBody()).toMatchObject({ max_output_tokens: CAP });
    expect(response.headers.get('x-aigw-warning')).toBe(`set max_output_tokens to ${CAP}: ${WARNING}`);
  });

  test('a cap that is not a positive integer is refused before it reaches a provider', async () => {
    const response = await stack.post('/v1/chat/completions', { model: 'open-model', max_tokens: '100000', messages: MESSAGES });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { message: 'max_tokens must be a positive integer.', param: 'max_tokens' } });
    expect(provider.received).toHaveLength(0);
  });

  test('200 concurrent requests with no cap, each using all its reservation allows: the counter never passes the limit', async () => {
    const body = { model: 'bound-model', messages: MESSAGES };
    const prompt = fakeReservedPrompt(body);
    const reserved = prompt + CAP;
    // The worst a provider can do within the bound: all the prompt the margin allows, all the output the cap allows.
    const usage = { prompt_tokens: prompt, completion_tokens: CAP, total_tokens: reserved };
    const answer = { id: 'chatcmpl-bound', object: 'chat.completion', created: 0, model: 'bound-model', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'length' }], usage };
    provider.enqueue(...Array.from({ length: 200 }, () => ({ kind: 'json' as const, status: 200, body: answer })));
    const statuses = await Promise.all(
      Array.from({ length: 200 }, () => stack.post('/v1/chat/completions', body).then(async (response) => (await response.arrayBuffer(), response.status))),
    );
    const admitted = statuses.filter((status) => status === 200).length;
    expect(admitted + statuses.filter((status) => status === 429).length).toBe(200);
    expect(admitted).toBe(Math.floor(LIMIT / reserved));
    // Every admitted request went upstream with the cap its reservation counted on.
    expect(provider.received).toHaveLength(admitted);
    expect(provider.received.every((request) => (request.json as { max_tokens?: number }).max_tokens === CAP)).toBe(true);
    const total = await settledCounter(stack, [
      { key: 'metric', value: 'tokens' },
      { key: 'team', value: 'team-e2e' },
      { key: 'model', value: 'bound-model' },
    ]);
    console.log(`200 concurrent, no cap: ${admitted} admitted of ${reserved} tokens each (all used); counter ${total} of ${LIMIT}; overshoot ${Math.max(0, total - LIMIT)}`);
    expect(total).toBe(admitted * reserved);
    expect(total).toBeLessThanOrEqual(LIMIT);
  });
});
