import OpenAI from 'openai';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { Stack, TEST_KEY, describeE2E, metricValue } from './harness';

/** OpenAI embeddings served by a Gemini (AI Studio) backend through Envoy + aigw, with the official OpenAI SDK. */
describeE2E('OpenAI embeddings served by a Gemini backend', () => {
  let gemini: FakeProvider;
  let stack: Stack;
  let client: OpenAI;
  const float32 = (values: number[]): number[] => [...new Float32Array(values)];

  beforeAll(async () => {
    gemini = await FakeProvider.start({ name: 'gemini' });
    stack = await Stack.start({
      env: { GEMINI_KEY: 'AIza-backend-key' },
      config: {
        backends: [{ name: 'gemini', kind: 'gemini', baseUrl: gemini.url, credential: { env: 'GEMINI_KEY' } }],
        models: [{ name: 'gemini-embed', backends: [{ backend: 'gemini', model: 'gemini-embedding-001' }] }],
      },
    });
    client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${stack.baseUrl}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await stack?.stop();
    await gemini?.close();
  });

  beforeEach(() => gemini.reset());

  test('the SDK default (base64 asked, decoded by the SDK): batchEmbedContents, vectors in order, usage missing', async () => {
    const missing = (text: string): number => metricValue(text, 'aigw_usage_missing_total{model="gemini-embed",backend="gemini"}');
    const before = missing(await stack.metricsText());
    const response = await client.embeddings.create({ model: 'gemini-embed', input: ['first text', 'second'], dimensions: 2 });
    expect(response.object).toBe('list');
    expect(response.model).toBe('gemini-embed');
    expect(response.data.map((item) => [item.index, item.embedding])).toEqual([
      [0, float32([0.1, 0.2])],
      [1, float32([0.1, 0.2])],
    ]);
    // Gemini counts no tokens for embeddings: no usage object rather than made-up numbers.
    expect(response.usage).toBeUndefined();
    const upstream = gemini.received[0];
    expect(upstream.path).toBe('/v1beta/models/gemini-embedding-001:batchEmbedContents');
    expect(upstream.headers['x-goog-api-key']).toBe('AIza-backend-key');
    expect(upstream.headers.authorization).toBeUndefined();
    expect(upstream.json).toEqual({
      requests: [
        { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'first text' }] }, outputDimensionality: 2 },
        { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'second' }] }, outputDimensionality: 2 },
      ],
    });
    const entry = await stack.waitForAccessLog((line) => line.model === 'gemini-embed' && line.status === 200);
    expect(entry.input_tokens ?? null).toBeNull();
    expect(missing(await stack.metricsText())).toBe(before + 1);
  });

  test('encoding_format float: the numbers as Gemini sent them; task_type passes as an extra body field', async () => {
    const response = await client.embeddings.create({ model: 'gemini-embed', input: 'one', encoding_format: 'float', task_type: 'RETRIEVAL_QUERY' } as OpenAI.EmbeddingCreateParams);
    expect(response.data).toEqual([{ object: 'embedding', index: 0, embedding: [0.1, 0.2, 0.3] }]);
    expect(gemini.received[0].json).toEqual({
      requests: [{ model: 'models/gemini-embedding-001', content: { parts: [{ text: 'one' }] }, taskType: 'RETRIEVAL_QUERY' }],
    });
  });

  test('token-id input is a 400 in OpenAI shape and never reaches Gemini', async () => {
    const error = await client.embeddings.create({ model: 'gemini-embed', input: [[1, 2, 3]] }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).error).toEqual({
      message: 'input: token arrays cannot be sent to a gemini backend; send the text instead.',
      type: 'invalid_request_error',
      param: 'input',
      code: 'unsupported_value',
    });
    expect(gemini.received).toHaveLength(0);
  });
});
