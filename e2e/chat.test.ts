import OpenAI from 'openai';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { Stack, TEST_KEY, describeE2E, metricValue } from './harness';

/**
 * The happy paths through real Envoy: the official OpenAI SDK against the listener, the
 * fake provider recording exactly what reached it.
 */
describeE2E('chat, embeddings and models through Envoy + aigw', () => {
  let provider: FakeProvider;
  let stack: Stack;
  let client: OpenAI;
  const env = { PROVIDER_KEY: 'sk-provider-secret-123' };

  beforeAll(async () => {
    provider = await FakeProvider.start({ name: 'primary' });
    stack = await Stack.start({
      unixSocket: true,
      env,
      config: {
        backends: [
          {
            name: 'primary',
            kind: 'openai',
            baseUrl: `${provider.url}/openai/v1`,
            credential: { env: 'PROVIDER_KEY' },
          },
          { name: 'no-usage', kind: 'openai', baseUrl: `${provider.url}/v1`, streamIncludeUsage: false },
        ],
        models: [
          { name: 'chat-model', backends: [{ backend: 'primary', model: 'upstream-model-v2' }] },
          { name: 'plain-model', backends: [{ backend: 'no-usage' }] },
        ],
      },
    });
    client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${stack.baseUrl}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await stack?.stop();
    await provider?.close();
  });

  beforeEach(() => provider.reset());

  test('non-streaming chat: translated upstream request, untouched response, usage in the access log', async () => {
    const completion = await client.chat.completions.create({
      model: 'chat-model',
      messages: [{ role: 'user', content: 'two words' }],
    });
    expect(completion.choices[0].message.content).toBe('Hello from primary');
    expect(completion.model).toBe('upstream-model-v2');
    expect(completion.usage).toEqual({
      prompt_tokens: 5,
      completion_tokens: 4,
      total_tokens: 9,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    });

    expect(provider.received).toHaveLength(1);
    const upstream = provider.received[0];
    expect(upstream.method).toBe('POST');
    expect(upstream.path).toBe('/openai/v1/chat/completions');
    expect(upstream.json).toEqual({ model: 'upstream-model-v2', messages: [{ role: 'user', content: 'two words' }] });
    expect(upstream.headers.authorization).toBe('Bearer sk-provider-secret-123');
    expect(upstream.headers.host).toBe(`127.0.0.1:${provider.port}`);
    expect(upstream.headers['content-length']).toBe(String(Buffer.byteLength(upstream.body)));
    expect(upstream.headers['transfer-encoding']).toBeUndefined();
    expect(Object.keys(upstream.headers).filter((name) => name.startsWith('x-aigw-'))).toEqual([]);
    expect(upstream.body).not.toContain(TEST_KEY);

    const entry = await stack.waitForAccessLog((line) => line.model === 'chat-model' && line.status === 200);
    expect(entry).toMatchObject({
      caller: 'e2e',
      team: 'team-e2e',
      project: 'project-e2e',
      input_tokens: 5,
      output_tokens: 4,
      total_tokens: 9,
      cached_input_tokens: 0,
      reasoning_tokens: 0,
      attempts: 1,
    });
  });

  test('the client key never reaches the provider and the provider key never reaches the client', async () => {
    const response = await stack.post('/v1/chat/completions', { model: 'chat-model', messages: [{ role: 'user', content: 'x' }] }, {
      'x-aigw-model': 'plain-model',
      'x-aigw-request-id': 'forged',
      'x-api-key': TEST_KEY,
    });
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(text).not.toContain(env.PROVIDER_KEY);
    expect([...response.headers.values()].join('\n')).not.toContain(env.PROVIDER_KEY);
    const upstream = provider.received[0];
    // The forged internal headers were stripped: routing followed the body's model.
    expect((upstream.json as { model: string }).model).toBe('upstream-model-v2');
    expect(JSON.stringify(upstream.headers)).not.toContain(TEST_KEY);
    expect(upstream.headers['x-api-key']).toBeUndefined();
  });

  test('streaming chat: events pass through, our injected usage chunk is dropped, usage is counted', async () => {
    const stream = await client.chat.completions.create({
      model: 'chat-model',
      stream: true,
      messages: [{ role: 'user', content: 'count these four words' }],
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? null)).toEqual(['', 'Hello', ' from', ' primary', null]);
    expect(chunks.every((chunk) => chunk.choices.length === 1)).toBe(true);
    expect(chunks[4].choices[0].finish_reason).toBe('stop');
    expect(provider.received[0].json).toMatchObject({ model: 'upstream-model-v2', stream: true, stream_options: { include_usage: true } });

    const entry = await stack.waitForAccessLog((line) => line.model === 'chat-model' && line.input_tokens === 7);
    expect(entry).toMatchObject({ output_tokens: 4, total_tokens: 11, status: 200 });
    const metrics = await stack.metricsText();
    expect(metricValue(metrics, 'aigw_tokens_total{model="chat-model",backend="primary",type="input"}')).toBeGreaterThanOrEqual(7);
  });

  test('streaming chat with include_usage from the client keeps the usage chunk', async () => {
    const stream = await client.chat.completions.create({
      model: 'chat-model',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'hi' }],
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const last = chunks[chunks.length - 1];
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 4, total_tokens: 8 });
  });

  test('a backend configured without stream usage gets the request as sent, and the gap is counted', async () => {
    const before = metricValue(await stack.metricsText(), 'aigw_usage_missing_total{model="plain-model",backend="no-usage"}');
    const stream = await client.chat.completions.create({ model: 'plain-model', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hello from primary');
    expect(provider.received[0].json).toEqual({ model: 'plain-model', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    expect(provider.received[0].headers.authorization).toBeUndefined();
    const after = metricValue(await stack.metricsText(), 'aigw_usage_missing_total{model="plain-model",backend="no-usage"}');
    expect(after).toBe(before + 1);
  });

  test('embeddings', async () => {
    const result = await client.embeddings.create({ model: 'chat-model', input: ['one two', 'three'], encoding_format: 'float' });
    expect(result.data.map((item) => item.embedding)).toEqual([
      [0.1, 0.2, 0.3],
      [0.1, 0.2, 0.3],
    ]);
    expect(result.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
    expect(provider.received[0].path).toBe('/openai/v1/embeddings');
    expect(provider.received[0].json).toEqual({ model: 'upstream-model-v2', input: ['one two', 'three'], encoding_format: 'float' });
    await stack.waitForAccessLog((line) => line.path === '/v1/embeddings' && line.input_tokens === 3);
  });

  test('/v1/models lists the configured models without calling a provider', async () => {
    const page = await client.models.list();
    expect(page.data.map((model) => model.id)).toEqual(['chat-model', 'plain-model']);
    expect(provider.received).toHaveLength(0);
  });

  test('request counts reach /metrics', async () => {
    const metrics = await stack.metricsText();
    expect(metricValue(metrics, 'aigw_requests_total{endpoint="models",model="unknown",status="200"}')).toBe(1);
    expect(metricValue(metrics, 'aigw_requests_total{endpoint="openai-embeddings",model="chat-model",status="200"}')).toBe(1);
  });
});
