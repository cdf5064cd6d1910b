import OpenAI from 'openai';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { Stack, TEST_KEY, describeE2E } from './harness';

/**
 * Providers that answer with `content-encoding: gzip` although the gateway asks for
 * `accept-encoding: identity`: bodies are decoded before translation and usage reading, and
 * the client gets them decoded, without the coding or the compressed length.
 */
describeE2E('gzip-encoded upstream bodies', () => {
  let gemini: FakeProvider;
  let openai: FakeProvider;
  let stack: Stack;
  let client: OpenAI;

  beforeAll(async () => {
    gemini = await FakeProvider.start({ name: 'gemini' });
    openai = await FakeProvider.start({ name: 'gpt' });
    stack = await Stack.start({
      env: { GEMINI_KEY: 'AIza-backend-key', OPENAI_KEY: 'sk-openai-backend' },
      config: {
        backends: [
          { name: 'gemini', kind: 'gemini', baseUrl: gemini.url, credential: { env: 'GEMINI_KEY' } },
          { name: 'openai', kind: 'openai', baseUrl: `${openai.url}/v1`, credential: { env: 'OPENAI_KEY' } },
        ],
        models: [
          { name: 'gz-gemini', backends: [{ backend: 'gemini', model: 'gemini-2.5-flash' }] },
          { name: 'gz-gpt', backends: [{ backend: 'openai', model: 'gpt-4o-mini' }] },
        ],
      },
    });
    client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${stack.baseUrl}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await stack?.stop();
    await Promise.all([gemini?.close(), openai?.close()]);
  });

  beforeEach(() => {
    gemini.reset();
    openai.reset();
  });

  const geminiEvent = (text: string, last: boolean): string =>
    JSON.stringify({
      candidates: [{ content: { parts: [{ text }], role: 'model' }, ...(last ? { finishReason: 'STOP' } : {}), index: 0 }],
      usageMetadata: { promptTokenCount: 9, ...(last ? { candidatesTokenCount: 5 } : {}), totalTokenCount: last ? 14 : 9 },
      modelVersion: 'gemini-2.5-flash',
    });

  test('gzip SSE from Gemini, flushed per event: translated text and usage', async () => {
    gemini.enqueue({ kind: 'sse', gzip: true, intervalMs: 20, events: [geminiEvent('Squeezed', false), geminiEvent(' and ', false), geminiEvent('restored', true)] });
    const stream = await client.chat.completions.create({ model: 'gz-gemini', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('Squeezed and restored');
    expect(usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 5, total_tokens: 14 });
    expect(gemini.received[0].headers['accept-encoding']).toBe('identity');
    const entry = await stack.waitForAccessLog((line) => line.model === 'gz-gemini' && line.status === 200);
    expect(entry).toMatchObject({ input_tokens: 9, output_tokens: 5 });
  });

  test('gzip JSON from Gemini: translated, plain to the client with its own length', async () => {
    gemini.enqueue({
      kind: 'json',
      status: 200,
      gzip: true,
      body: {
        candidates: [{ content: { parts: [{ text: 'Compressed hello' }], role: 'model' }, finishReason: 'STOP', index: 0 }],
        usageMetadata: { promptTokenCount: 4, candidatesTokenCount: 2, totalTokenCount: 6 },
      },
    });
    const response = await stack.post('/v1/chat/completions', { model: 'gz-gemini', messages: [{ role: 'user', content: 'hi' }] }, { 'accept-encoding': 'gzip' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-encoding')).toBeNull();
    const text = await response.text();
    expect(Number(response.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    const body = JSON.parse(text) as OpenAI.ChatCompletion;
    expect(body.choices[0].message.content).toBe('Compressed hello');
    expect(body.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 });
  });

  test('gzip JSON from an OpenAI backend (passed through): decoded for the client, usage counted', async () => {
    const completion = {
      id: 'chatcmpl-gz', object: 'chat.completion', created: 1, model: 'gpt-4o-mini',
      choices: [{ index: 0, message: { role: 'assistant', content: 'zipped', refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 11, completion_tokens: 3, total_tokens: 14 },
    };
    openai.enqueue({ kind: 'json', status: 200, gzip: true, body: completion });
    const response = await client.chat.completions.create({ model: 'gz-gpt', messages: [{ role: 'user', content: 'hi' }] });
    expect(response).toEqual(completion);
    expect(openai.received[0].headers['accept-encoding']).toBe('identity');
    const entry = await stack.waitForAccessLog((line) => line.model === 'gz-gpt' && line.status === 200);
    expect(entry).toMatchObject({ input_tokens: 11, output_tokens: 3 });
  });

  test('gzip SSE from an OpenAI backend: events and usage through', async () => {
    const chunk = (content: string | undefined, usage?: object): string =>
      JSON.stringify({
        id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini',
        choices: content === undefined ? [] : [{ index: 0, delta: { content }, finish_reason: null }],
        ...(usage ? { usage } : {}),
      });
    openai.enqueue({ kind: 'sse', gzip: true, events: [chunk('one '), chunk('two'), chunk(undefined, { prompt_tokens: 6, completion_tokens: 2, total_tokens: 8 }), '[DONE]'] });
    const stream = await client.chat.completions.create({ model: 'gz-gpt', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    let text = '';
    for await (const part of stream) text += part.choices[0]?.delta.content ?? '';
    expect(text).toBe('one two');
    const entry = await stack.waitForAccessLog((line) => line.model === 'gz-gpt' && line.status === 200 && line.input_tokens === 6);
    expect(entry).toMatchObject({ input_tokens: 6, output_tokens: 2 });
  });

  test('a gzip error body is decoded and reshaped', async () => {
    gemini.enqueue({ kind: 'json', status: 429, gzip: true, body: { error: { code: 429, message: 'Quota exceeded.', status: 'RESOURCE_EXHAUSTED' } } });
    const error = await client.chat.completions.create({ model: 'gz-gemini', messages: [{ role: 'user', content: 'x' }] }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).error).toEqual({ message: 'Quota exceeded.', type: 'rate_limit_error', param: null, code: 'RESOURCE_EXHAUSTED' });
  });
});
