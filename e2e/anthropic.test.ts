import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { REFUSED_PORT, Stack, TEST_KEY, describeE2E } from './harness';

interface AnthropicError {
  type: string;
  error: { type: string; message: string };
}

/**
 * Anthropic through Envoy + aigw: the official Anthropic SDK on /v1/messages (pass-through
 * to Anthropic backends), the OpenAI SDK served by an Anthropic backend (translated), and
 * failover within and across providers.
 */
describeE2E('Anthropic Messages and Anthropic backends', () => {
  let claude: FakeProvider;
  let claudeNew: FakeProvider;
  let openai: FakeProvider;
  let stack: Stack;
  let anthropic: Anthropic;
  let openaiClient: OpenAI;

  beforeAll(async () => {
    claude = await FakeProvider.start({ name: 'claude' });
    claudeNew = await FakeProvider.start({ name: 'claude-new' });
    openai = await FakeProvider.start({ name: 'gpt' });
    const refused = REFUSED_PORT;
    stack = await Stack.start({
      env: { ANTHROPIC_KEY: 'sk-ant-backend-1', ANTHROPIC_KEY_2: 'sk-ant-backend-2', OPENAI_KEY: 'sk-openai-backend' },
      config: {
        backends: [
          { name: 'anthropic', kind: 'anthropic', baseUrl: claude.url, credential: { env: 'ANTHROPIC_KEY' } },
          { name: 'anthropic-new', kind: 'anthropic', baseUrl: `${claudeNew.url}/proxy`, credential: { env: 'ANTHROPIC_KEY_2' }, anthropicVersion: '2026-10-21' },
          { name: 'openai', kind: 'openai', baseUrl: `${openai.url}/v1`, credential: { env: 'OPENAI_KEY' } },
          { name: 'down', kind: 'anthropic', baseUrl: `http://127.0.0.1:${refused}` },
        ],
        models: [
          { name: 'claude-sonnet', backends: [{ backend: 'anthropic', model: 'claude-sonnet-4-5' }, { backend: 'anthropic-new', model: 'claude-sonnet-4-7' }] },
          { name: 'claude-new', backends: [{ backend: 'anthropic-new' }] },
          { name: 'gpt-or-claude', backends: [{ backend: 'openai' }, { backend: 'anthropic' }] },
          { name: 'nowhere', backends: [{ backend: 'down' }] },
          { name: 'claude-or-gpt', backends: [{ backend: 'anthropic' }, { backend: 'openai', model: 'gpt-4.1' }] },
        ],
      },
    });
    anthropic = new Anthropic({ apiKey: TEST_KEY, baseURL: stack.baseUrl, maxRetries: 0 });
    openaiClient = new OpenAI({ apiKey: TEST_KEY, baseURL: `${stack.baseUrl}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await stack?.stop();
    await Promise.all([claude?.close(), claudeNew?.close(), openai?.close()]);
  });

  beforeEach(() => {
    claude.reset();
    claudeNew.reset();
    openai.reset();
  });

  test('Anthropic SDK, non-streaming: passed through with the backend key and version, usage counted', async () => {
    const message = await anthropic.messages.create({
      model: 'claude-sonnet',
      max_tokens: 100,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'hello there' }],
    });
    expect(message.content).toEqual([{ type: 'text', text: 'Hello from claude' }]);
    expect(message.model).toBe('claude-sonnet-4-5');
    const upstream = claude.received[0];
    expect(upstream.path).toBe('/v1/messages');
    expect(upstream.headers['x-api-key']).toBe('sk-ant-backend-1');
    expect(upstream.headers['anthropic-version']).toBe('2023-06-01');
    expect(upstream.headers.authorization).toBeUndefined();
    expect(upstream.json).toEqual({ model: 'claude-sonnet-4-5', max_tokens: 100, system: 'Be brief.', messages: [{ role: 'user', content: 'hello there' }] });
    const entry = await stack.waitForAccessLog((line) => line.model === 'claude-sonnet' && line.path === '/v1/messages');
    expect(entry).toMatchObject({ status: 200, input_tokens: message.usage.input_tokens, output_tokens: 4, attempts: 1 });
  });

  test('Anthropic SDK, streaming under the /anthropic prefix: events pass through, usage from message_start + message_delta', async () => {
    const prefixed = new Anthropic({ apiKey: TEST_KEY, baseURL: `${stack.baseUrl}/anthropic`, maxRetries: 0 });
    const stream = prefixed.messages.stream({ model: 'claude-sonnet', max_tokens: 50, messages: [{ role: 'user', content: 'one two three' }] });
    let text = '';
    stream.on('text', (delta) => (text += delta));
    const final = await stream.finalMessage();
    expect(text).toBe('Hello from claude');
    expect(final.usage.output_tokens).toBe(4);
    const entry = await stack.waitForAccessLog((line) => line.path === '/anthropic/v1/messages');
    expect(entry).toMatchObject({ status: 200, input_tokens: final.usage.input_tokens, output_tokens: 4 });
  });

  test('529 overloaded fails over to the next Anthropic backend, which gets its own key, path, version and body', async () => {
    claude.enqueue({ kind: 'anthropic-error', status: 529, errorType: 'overloaded_error', message: 'Overloaded' });
    const response = await fetch(`${stack.baseUrl}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': TEST_KEY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-sonnet', max_tokens: 20, temperature: 0.2, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-aigw-warning')).toBe('dropped temperature: anthropic-version 2026-10-21 rejects it');
    expect(((await response.json()) as { content: Array<{ text: string }> }).content[0].text).toBe('Hello from claude-new');
    expect((claude.received[0].json as { temperature: number }).temperature).toBe(0.2);
    const second = claudeNew.received[0];
    expect(second.path).toBe('/proxy/v1/messages');
    expect(second.headers['x-api-key']).toBe('sk-ant-backend-2');
    expect(second.headers['anthropic-version']).toBe('2026-10-21');
    expect(second.json).toEqual({ model: 'claude-sonnet-4-7', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] });
  });

  test('errors on /v1/messages come in Anthropic shape', async () => {
    const post = (body: unknown, headers: Record<string, string> = { 'x-api-key': TEST_KEY }): Promise<Response> =>
      fetch(`${stack.baseUrl}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const cases: Array<[Promise<Response>, number, string]> = [
      [post({ model: 'claude-sonnet', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }, {}), 401, 'authentication_error'],
      [post({ model: 'claude-unknown', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }), 404, 'not_found_error'],
      [post({ model: 'claude-sonnet', messages: [{ role: 'user', content: 'x' }] }), 400, 'invalid_request_error'],
      [post({ model: 'nowhere', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }), 503, 'api_error'],
    ];
    for (const [pending, status, type] of cases) {
      const response = await pending;
      const body = (await response.json()) as AnthropicError;
      expect({ status: response.status, type: body.type, errorType: body.error.type }).toEqual({ status, type: 'error', errorType: type });
      expect(body.error.message.length).toBeGreaterThan(0);
    }
  });

  test('a provider error that is already Anthropic-shaped passes through with its status', async () => {
    claudeNew.enqueue({ kind: 'anthropic-error', status: 400, errorType: 'invalid_request_error', message: 'messages: roles must alternate' });
    const error = await anthropic.messages
      .create({ model: 'claude-new', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] })
      .then(() => undefined, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error as InstanceType<typeof Anthropic.BadRequestError>).error).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'messages: roles must alternate' },
    });
  });

  test('the Anthropic SDK lists models in Anthropic shape', async () => {
    const page = await anthropic.models.list();
    expect(page.data.map((model) => model.id)).toEqual(['claude-sonnet', 'claude-new', 'gpt-or-claude', 'nowhere', 'claude-or-gpt']);
  });

  test('OpenAI SDK served by an Anthropic backend, after an OpenAI backend fails: each got its own wire format', async () => {
    openai.enqueue({ kind: 'json', status: 503, body: { error: { message: 'down', type: 'server_error', param: null, code: null } } });
    const completion = await openaiClient.chat.completions.create({
      model: 'gpt-or-claude',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hello there' },
      ],
    });
    expect(completion.choices[0].message.content).toBe('Hello from claude');
    expect(completion.choices[0].finish_reason).toBe('stop');
    expect(completion.object).toBe('chat.completion');
    expect(openai.received[0].path).toBe('/v1/chat/completions');
    expect(openai.received[0].headers.authorization).toBe('Bearer sk-openai-backend');
    const upstream = claude.received[0];
    expect(upstream.path).toBe('/v1/messages');
    expect(upstream.headers['x-api-key']).toBe('sk-ant-backend-1');
    expect(upstream.headers.authorization).toBeUndefined();
    expect(upstream.json).toEqual({
      model: 'gpt-or-claude',
      system: [{ type: 'text', text: 'Be brief.' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hello there' }] }],
      max_tokens: 4096,
    });
    expect(completion.usage?.prompt_tokens).toBe(completion.usage!.total_tokens - 4);
  });

  test('OpenAI SDK streaming from an Anthropic backend', async () => {
    const stream = await openaiClient.chat.completions.create({
      model: 'gpt-or-claude',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'hi' }],
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('Hello from gpt');
    // The OpenAI backend answered first this time; now make it fail and stream from Claude.
    openai.enqueue({ kind: 'json', status: 503, body: { error: { message: 'down', type: 'server_error', param: null, code: null } } });
    const translated = await openaiClient.chat.completions.create({
      model: 'gpt-or-claude',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'hi' }],
    });
    text = '';
    for await (const chunk of translated) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('Hello from claude');
    expect(usage).toMatchObject({ completion_tokens: 4 });
  });

  test('Anthropic SDK served by an OpenAI backend after Claude is overloaded: translated both ways', async () => {
    claude.enqueue({ kind: 'anthropic-error', status: 529, errorType: 'overloaded_error', message: 'Overloaded' });
    const message = await anthropic.messages.create({
      model: 'claude-or-gpt',
      max_tokens: 64,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'hello there' }],
    });
    expect(message.content).toEqual([{ type: 'text', text: 'Hello from gpt' }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage).toMatchObject({ output_tokens: 4 });
    const upstream = openai.received[0];
    expect(upstream.path).toBe('/v1/chat/completions');
    expect(upstream.headers.authorization).toBe('Bearer sk-openai-backend');
    expect(upstream.headers['x-api-key']).toBeUndefined();
    expect(upstream.json).toEqual({
      model: 'gpt-4.1',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hello there' },
      ],
      max_completion_tokens: 64,
    });
  });

  test('Anthropic SDK streaming from an OpenAI backend', async () => {
    claude.enqueue({ kind: 'anthropic-error', status: 529, errorType: 'overloaded_error', message: 'Overloaded' });
    const stream = anthropic.messages.stream({ model: 'claude-or-gpt', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });
    let text = '';
    stream.on('text', (delta) => (text += delta));
    const final = await stream.finalMessage();
    expect(text).toBe('Hello from gpt');
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage.output_tokens).toBe(4);
    expect(openai.received[0].json).toMatchObject({ model: 'gpt-4.1', stream: true, stream_options: { include_usage: true } });
  });
});
