import OpenAI from 'openai';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { Stack, TEST_KEY, describeE2E } from './harness';

/** The OpenAI Responses API, and Azure OpenAI's two path styles, through Envoy + aigw. */
describeE2E('Responses API and Azure OpenAI', () => {
  let openai: FakeProvider;
  let azure: FakeProvider;
  let stack: Stack;
  let client: OpenAI;

  beforeAll(async () => {
    openai = await FakeProvider.start({ name: 'openai' });
    azure = await FakeProvider.start({ name: 'azure' });
    stack = await Stack.start({
      env: { AZURE_KEY: 'azure-secret' },
      config: {
        backends: [
          { name: 'openai', kind: 'openai', baseUrl: `${openai.url}/v1` },
          { name: 'azure-dated', kind: 'azure-openai', baseUrl: azure.url, credential: { env: 'AZURE_KEY' } },
          { name: 'azure-v1', kind: 'azure-openai', baseUrl: azure.url, apiVersion: 'v1', credential: { env: 'AZURE_KEY' } },
        ],
        models: [
          { name: 'gpt-5', backends: [{ backend: 'openai' }, { backend: 'azure-v1', model: 'gpt-5-deployment' }] },
          { name: 'gpt-4o', backends: [{ backend: 'azure-dated', model: 'gpt4o-prod' }] },
        ],
      },
    });
    client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${stack.baseUrl}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await stack?.stop();
    await Promise.all([openai?.close(), azure?.close()]);
  });

  beforeEach(() => {
    openai.reset();
    azure.reset();
  });

  test('responses.create: passed through, usage from the response', async () => {
    const response = await client.responses.create({ model: 'gpt-5', input: 'one two three', instructions: 'be brief' });
    expect(response.output_text).toBe('Hello from openai');
    expect(openai.received[0].path).toBe('/v1/responses');
    expect(openai.received[0].json).toEqual({ model: 'gpt-5', input: 'one two three', instructions: 'be brief' });
    const entry = await stack.waitForAccessLog((line) => line.path === '/v1/responses' && line.status === 200);
    expect(entry).toMatchObject({ input_tokens: 8, output_tokens: 4, total_tokens: 12 });
  });

  test('streamed responses: events pass through, usage from response.completed, no stream_options added', async () => {
    const stream = await client.responses.create({ model: 'gpt-5', input: 'hi', stream: true });
    const types: string[] = [];
    let text = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
    }
    expect(text).toBe('Hello from openai');
    expect(types[types.length - 1]).toBe('response.completed');
    expect(openai.received[0].json).toEqual({ model: 'gpt-5', input: 'hi', stream: true });
    await stack.waitForAccessLog((line) => line.path === '/v1/responses' && line.input_tokens === 4 && line.output_tokens === 4);
  });

  test('failover to Azure v1: /openai/v1/responses with the deployment as model and the api-key header', async () => {
    openai.enqueue({ kind: 'json', status: 500, body: { error: { message: 'boom', type: 'server_error', param: null, code: null } } });
    const response = await client.responses.create({ model: 'gpt-5', input: 'hi' });
    expect(response.output_text).toBe('Hello from azure');
    const upstream = azure.received[0];
    expect(upstream.path).toBe('/openai/v1/responses');
    expect(upstream.headers['api-key']).toBe('azure-secret');
    expect(upstream.headers.authorization).toBeUndefined();
    expect((upstream.json as { model: string }).model).toBe('gpt-5-deployment');
  });

  test('Azure dated API: deployment in the path, api-version in the query, for chat and embeddings', async () => {
    const completion = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.choices[0].message.content).toBe('Hello from azure');
    const embedding = await client.embeddings.create({ model: 'gpt-4o', input: 'hello world', encoding_format: 'float' });
    expect(embedding.usage.prompt_tokens).toBe(2);
    expect(azure.received.map((request) => request.path)).toEqual([
      '/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21',
      '/openai/deployments/gpt4o-prod/embeddings?api-version=2024-10-21',
    ]);
    expect(azure.received.every((request) => request.headers['api-key'] === 'azure-secret')).toBe(true);
  });

  test('a Responses request without input gets a 400 in OpenAI shape', async () => {
    const response = await stack.post('/v1/responses', { model: 'gpt-5' });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { message: 'You must provide an input parameter.', type: 'invalid_request_error', param: 'input', code: null } });
  });
});
