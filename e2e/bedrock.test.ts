import OpenAI from 'openai';
import { eventFrame } from '../src/fake-provider/bedrock-behaviours';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import type { RecordedRequest } from '../src/fake-provider/fake-provider';
import { expectedSignature, parseAuthorization } from '../src/providers/bedrock/__fixtures__/sigv4-verifier';
import { encodeEventStreamFrame } from '../src/providers/bedrock/eventstream-decoder';
import { Stack, TEST_KEY, describeE2E } from './harness';

const SECRET = 'secret';
const CLAUDE = 'anthropic.claude-3-5-sonnet-20241022-v2:0';

/** The request the fake received carries a SigV4 signature valid for exactly the bytes it received. */
function expectValidSignature(upstream: RecordedRequest): void {
  const claimed = parseAuthorization(upstream.headers.authorization);
  expect(claimed).toMatchObject({ accessKeyId: 'AKIDEXAMPLE', region: 'us-east-1', service: 'bedrock' });
  expect(claimed?.signedHeaders).toEqual(expect.arrayContaining(['host', 'x-amz-date', 'content-type']));
  expect(claimed?.signature).toBe(expectedSignature(upstream, SECRET));
}

/**
 * Amazon Bedrock through Envoy + aigw: the OpenAI SDK served by a Bedrock backend (translated
 * to Converse / ConverseStream and signed with SigV4), and failover from an OpenAI backend to it.
 */
describeE2E('OpenAI Chat Completions served by Bedrock backends', () => {
  let bedrock: FakeProvider;
  let openai: FakeProvider;
  let stack: Stack;
  let client: OpenAI;

  beforeAll(async () => {
    bedrock = await FakeProvider.start({ name: 'bedrock' });
    openai = await FakeProvider.start({ name: 'gpt' });
    stack = await Stack.start({
      env: { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: SECRET, OPENAI_KEY: 'sk-openai-backend' },
      config: {
        backends: [
          { name: 'bedrock', kind: 'bedrock', baseUrl: bedrock.url, aws: { region: 'us-east-1' } },
          { name: 'openai', kind: 'openai', baseUrl: `${openai.url}/v1`, credential: { env: 'OPENAI_KEY' } },
        ],
        models: [
          { name: 'claude-bedrock', backends: [{ backend: 'bedrock', model: CLAUDE }] },
          { name: 'gpt-or-bedrock', backends: [{ backend: 'openai' }, { backend: 'bedrock', model: CLAUDE }] },
        ],
      },
    });
    client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${stack.baseUrl}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await stack?.stop();
    await Promise.all([bedrock?.close(), openai?.close()]);
  });

  beforeEach(() => {
    bedrock.reset();
    openai.reset();
  });

  test('non-streaming: Converse at the encoded model path, SigV4-signed over the received body; usage counted', async () => {
    const completion = await client.chat.completions.create({
      model: 'claude-bedrock',
      temperature: 0.5,
      max_tokens: 64,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hello there' },
      ],
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('claude-bedrock');
    expect(completion.choices[0].message.content).toBe('Hello from bedrock');
    expect(completion.choices[0].finish_reason).toBe('stop');
    // 2 + 2 words + 3 for the one message (the fake's tokenizer); 4 output tokens.
    expect(completion.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 4, total_tokens: 11 });
    const upstream = bedrock.received[0];
    expect(upstream.path).toBe('/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse');
    expect(upstream.json).toEqual({
      messages: [{ role: 'user', content: [{ text: 'hello there' }] }],
      system: [{ text: 'Be brief.' }],
      inferenceConfig: { maxTokens: 64, temperature: 0.5 },
    });
    expect(upstream.headers.host).toBe(new URL(bedrock.url).host);
    expectValidSignature(upstream);
    const entry = await stack.waitForAccessLog((line) => line.model === 'claude-bedrock' && line.status === 200);
    expect(entry).toMatchObject({ input_tokens: 7, output_tokens: 4, attempts: 1 });
  });

  test('streaming: ConverseStream event stream frames become OpenAI chunks with a usage chunk', async () => {
    const stream = await client.chat.completions.create({
      model: 'claude-bedrock',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'one two three' }],
    });
    let text = '';
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('Hello from bedrock');
    expect(finish).toBe('stop');
    expect(usage).toMatchObject({ prompt_tokens: 6, completion_tokens: 4, total_tokens: 10 });
    const upstream = bedrock.received[0];
    expect(upstream.path).toBe('/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse-stream');
    expect(upstream.headers.accept).toBe('application/vnd.amazon.eventstream');
    expect(upstream.json).toEqual({ messages: [{ role: 'user', content: [{ text: 'one two three' }] }] });
    expectValidSignature(upstream);
  });

  test('an OpenAI backend answering 503 fails over to Bedrock, which gets its own wire format and a signature', async () => {
    openai.enqueue({ kind: 'json', status: 503, body: { error: { message: 'down', type: 'server_error', param: null, code: null } } });
    const completion = await client.chat.completions.create({ model: 'gpt-or-bedrock', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.choices[0].message.content).toBe('Hello from bedrock');
    expect(openai.received[0].path).toBe('/v1/chat/completions');
    expect(openai.received[0].headers.authorization).toBe('Bearer sk-openai-backend');
    const upstream = bedrock.received[0];
    expect(upstream.path).toBe('/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse');
    expect(upstream.json).toEqual({ messages: [{ role: 'user', content: [{ text: 'hi' }] }] });
    expectValidSignature(upstream);
    const entry = await stack.waitForAccessLog((line) => line.model === 'gpt-or-bedrock');
    expect(entry).toMatchObject({ status: 200, attempts: 2 });
  });

  test('an exception frame inside the 200 stream (throttling) reaches the SDK as a stream error, split across writes', async () => {
    const exception = encodeEventStreamFrame(
      { ':message-type': 'exception', ':exception-type': 'throttlingException', ':content-type': 'application/json' },
      JSON.stringify({ message: 'Too many tokens, please wait before trying again.' }),
    );
    const bytes = Buffer.concat([eventFrame('messageStart', { role: 'assistant' }), eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Part' } }), exception]);
    // Three writes cutting through frames, so the gateway has to reassemble them.
    const chunks = [bytes.subarray(0, 50), bytes.subarray(50, 130), bytes.subarray(130)];
    bedrock.enqueue({ kind: 'raw-sse', chunks, intervalMs: 5, contentType: 'application/vnd.amazon.eventstream' });
    const stream = await client.chat.completions.create({ model: 'claude-bedrock', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    let text = '';
    const error = await (async (): Promise<unknown> => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      return undefined;
    })().catch((caught: unknown) => caught);
    expect(text).toBe('Part');
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).message).toContain('Too many tokens, please wait before trying again.');
  });

  test('a Bedrock error reaches the OpenAI SDK in OpenAI shape', async () => {
    bedrock.enqueue({ kind: 'json', status: 400, body: { message: 'The provided model identifier is invalid.' }, headers: { 'x-amzn-errortype': 'ValidationException' } });
    const error = await client.chat.completions
      .create({ model: 'claude-bedrock', messages: [{ role: 'user', content: 'x' }] })
      .then(() => undefined, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).error).toEqual({
      message: 'The provided model identifier is invalid.',
      type: 'invalid_request_error',
      param: null,
      code: null,
    });
  });
});
