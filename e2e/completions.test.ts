import OpenAI from 'openai';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { Stack, TEST_KEY, describeE2E } from './harness';

const DOWN = { kind: 'json', status: 503, body: { error: { message: 'down', type: 'server_error', param: null, code: null } } } as const;

/** Issue 15 item 1: legacy completions (`POST /v1/completions`) on OpenAI-compatible and Azure backends, through Envoy + aigw. */
describeE2E('legacy completions', () => {
  let openaiFake: FakeProvider;
  let azureFake: FakeProvider;
  let claudeFake: FakeProvider;
  let stack: Stack;
  let client: OpenAI;

  beforeAll(async () => {
    openaiFake = await FakeProvider.start({ name: 'openai' });
    azureFake = await FakeProvider.start({ name: 'azure' });
    claudeFake = await FakeProvider.start({ name: 'claude' });
    stack = await Stack.start({
      env: { AZURE_KEY: 'azure-secret', OPENAI_KEY: 'sk-openai', ANTHROPIC_KEY: 'sk-ant' },
      config: {
        backends: [
          { name: 'openai', kind: 'openai', baseUrl: `${openaiFake.url}/v1`, credential: { env: 'OPENAI_KEY' } },
          { name: 'azure', kind: 'azure-openai', baseUrl: azureFake.url, apiVersion: '2024-10-21', credential: { env: 'AZURE_KEY' } },
          { name: 'claude', kind: 'anthropic', baseUrl: claudeFake.url, credential: { env: 'ANTHROPIC_KEY' } },
        ],
        models: [
          { name: 'gpt-3.5-turbo-instruct', backends: [{ backend: 'openai' }, { backend: 'azure', model: 'instruct-prod' }] },
          { name: 'claude-sonnet', backends: [{ backend: 'claude' }] },
        ],
      },
    });
    client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${stack.baseUrl}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await stack?.stop();
    await Promise.all([openaiFake?.close(), azureFake?.close(), claudeFake?.close()]);
  });

  beforeEach(() => {
    openaiFake.reset();
    azureFake.reset();
    claudeFake.reset();
  });

  test('a string prompt: passed through as sent, the answer as the provider wrote it, usage recorded', async () => {
    const completion = await client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Say this is a test', max_tokens: 7 });
    expect(completion).toEqual({
      id: 'cmpl-fake-1',
      object: 'text_completion',
      created: 1700000000,
      model: 'gpt-3.5-turbo-instruct',
      choices: [{ text: ' Hello from openai', index: 0, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 },
    });
    expect(openaiFake.received[0].path).toBe('/v1/completions');
    expect(openaiFake.received[0].headers.authorization).toBe('Bearer sk-openai');
    expect(openaiFake.received[0].json).toEqual({ model: 'gpt-3.5-turbo-instruct', prompt: 'Say this is a test', max_tokens: 7 });
    const entry = await stack.waitForAccessLog((line) => line.path === '/v1/completions' && line.status === 200);
    expect(entry).toMatchObject({ model: 'gpt-3.5-turbo-instruct', upstream_cluster: 'model_0_gpt-3.5-turbo-instruct', input_tokens: 5, output_tokens: 4, total_tokens: 9 });
  });

  test('two prompts with n 2: four choices', async () => {
    const completion = await client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: ['one two', 'three'], n: 2 });
    expect(completion.choices.map((choice) => choice.index)).toEqual([0, 1, 2, 3]);
    expect(completion.usage).toEqual({ prompt_tokens: 3, completion_tokens: 16, total_tokens: 19 });
  });

  test('streamed, token-id prompt: the text arrives in chunks; usage is asked for and read, and its chunk kept from the client', async () => {
    const stream = await client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: [1212, 318, 257, 1332], stream: true });
    const chunks: OpenAI.Completion[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.choices[0]?.text).join('')).toBe(' Hello from openai');
    expect(chunks.every((chunk) => chunk.usage === undefined || chunk.usage === null)).toBe(true);
    expect(openaiFake.received[0].json).toEqual({ stream_options: { include_usage: true }, model: 'gpt-3.5-turbo-instruct', prompt: [1212, 318, 257, 1332], stream: true });
    const entry = await stack.waitForAccessLog((line) => line.path === '/v1/completions' && line.status === 200 && line.input_tokens === 4);
    expect(entry).toMatchObject({ output_tokens: 4, total_tokens: 8 });
  });

  test('OpenAI down: Azure answers on its dated deployment path with its key', async () => {
    openaiFake.enqueue(DOWN);
    const { data, response } = await client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'hi' }).withResponse();
    expect(data.choices[0].text).toBe(' Hello from azure');
    expect(response.status).toBe(200);
    expect(azureFake.received[0].path).toBe('/openai/deployments/instruct-prod/completions?api-version=2024-10-21');
    expect(azureFake.received[0].headers['api-key']).toBe('azure-secret');
    expect(azureFake.received[0].headers.authorization).toBeUndefined();
  });

  test('a model only a non-OpenAI backend serves: 400 in OpenAI shape, nothing sent', async () => {
    const error = await client.completions.create({ model: 'claude-sonnet', prompt: 'hi' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.APIError>).error).toEqual({
      message: 'Backend "claude" (anthropic) cannot serve openai-completions requests.',
      type: 'invalid_request_error',
      param: null,
      code: 'unsupported_backend',
    });
    expect(claudeFake.received).toHaveLength(0);
  });

  test('a prompt that is no prompt: 400 naming it, nothing sent', async () => {
    const response = await stack.post('/v1/completions', { model: 'gpt-3.5-turbo-instruct', prompt: [{ text: 'hi' }] }, { authorization: `Bearer ${TEST_KEY}` });
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 400,
      body: { error: { message: 'prompt must be a string, an array of strings, an array of token ids, or an array of token id arrays.', type: 'invalid_request_error', param: 'prompt', code: null } },
    });
    expect(openaiFake.received).toHaveLength(0);
  });
});
