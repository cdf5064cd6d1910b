import Anthropic from '@anthropic-ai/sdk';
import { eventFrame } from '../src/fake-provider/bedrock-behaviours';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import type { RecordedRequest } from '../src/fake-provider/fake-provider';
import { expectedSignature, parseAuthorization } from '../src/providers/bedrock/__fixtures__/sigv4-verifier';
import { encodeEventStreamFrame } from '../src/providers/bedrock/eventstream-decoder';
import { Stack, TEST_KEY, describeE2E } from './harness';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const CLAUDE = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const CONVERSE = '/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse';

function expectSigned(upstream: RecordedRequest): void {
  expect(parseAuthorization(upstream.headers.authorization)).toMatchObject({ accessKeyId: 'AKIDCONVERSE', region: 'us-east-1', service: 'bedrock' });
  expect(parseAuthorization(upstream.headers.authorization)?.signature).toBe(expectedSignature(upstream, SECRET));
}

/**
 * The Anthropic SDK served by Bedrock's Converse API through Envoy + aigw: Messages requests
 * rebuilt as Converse (cache_control breakpoints as cache points), Converse answers and
 * event streams rebuilt as Anthropic messages and SSE, cache usage in the access log, errors
 * in Anthropic's shape, and a Claude model failing over from Anthropic (503) to Converse.
 */
describeE2E('Anthropic Messages served by Bedrock Converse', () => {
  let anthropicFake: FakeProvider;
  let bedrockFake: FakeProvider;
  let stack: Stack;
  let client: Anthropic;

  beforeAll(async () => {
    anthropicFake = await FakeProvider.start({ name: 'anthropic' });
    bedrockFake = await FakeProvider.start({ name: 'bedrock' });
    stack = await Stack.start({
      env: { ANTHROPIC_KEY: 'sk-ant-backend', AWS_KEY_ID: 'AKIDCONVERSE', AWS_SECRET: SECRET },
      config: {
        backends: [
          { name: 'anthropic', kind: 'anthropic', baseUrl: anthropicFake.url, credential: { env: 'ANTHROPIC_KEY' } },
          { name: 'converse', kind: 'bedrock', baseUrl: bedrockFake.url, aws: { region: 'us-east-1', accessKeyId: { env: 'AWS_KEY_ID' }, secretAccessKey: { env: 'AWS_SECRET' } } },
        ],
        models: [
          { name: 'claude-converse', backends: [{ backend: 'converse', model: CLAUDE }] },
          { name: 'claude-sonnet', backends: [{ backend: 'anthropic', model: 'claude-sonnet-4-5' }, { backend: 'converse', model: CLAUDE }] },
        ],
      },
    });
    client = new Anthropic({ apiKey: TEST_KEY, baseURL: stack.baseUrl, maxRetries: 0 });
  });

  afterAll(async () => {
    await stack?.stop();
    await Promise.all([anthropicFake?.close(), bedrockFake?.close()]);
  });

  beforeEach(() => {
    anthropicFake.reset();
    bedrockFake.reset();
  });

  test('non-streaming with cache_control: cache points after the marked blocks, cache usage in the message and the access log', async () => {
    bedrockFake.enqueue({
      kind: 'json',
      status: 200,
      body: {
        output: { message: { role: 'assistant', content: [{ text: 'Within 30 days.' }] } },
        stopReason: 'end_turn',
        usage: { inputTokens: 12, outputTokens: 5, totalTokens: 3017, cacheReadInputTokens: 2000, cacheWriteInputTokens: 1000 },
        metrics: { latencyMs: 10 },
      },
    });
    const message = await client.messages.create({
      model: 'claude-converse',
      max_tokens: 100,
      system: [{ type: 'text', text: 'POLICY: refunds within 30 days.', cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Order #2, March.', cache_control: { type: 'ephemeral' } }, { type: 'text', text: 'Refund?' }] }],
    });
    expect(message).toEqual({
      id: expect.stringMatching(/^msg_bdrk_[0-9a-f]{24}$/) as unknown,
      type: 'message',
      role: 'assistant',
      model: 'claude-converse',
      content: [{ type: 'text', text: 'Within 30 days.' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 12, cache_creation_input_tokens: 1000, cache_read_input_tokens: 2000, output_tokens: 5 },
    });
    const upstream = bedrockFake.received[0];
    expect(upstream.path).toBe(CONVERSE);
    expect(upstream.headers['x-api-key']).toBeUndefined();
    expect(upstream.headers['anthropic-version']).toBeUndefined();
    expect(upstream.json).toEqual({
      messages: [{ role: 'user', content: [{ text: 'Order #2, March.' }, { cachePoint: { type: 'default' } }, { text: 'Refund?' }] }],
      system: [{ text: 'POLICY: refunds within 30 days.' }, { cachePoint: { type: 'default' } }],
      inferenceConfig: { maxTokens: 100 },
    });
    expectSigned(upstream);
    const entry = await stack.waitForAccessLog((line) => line.model === 'claude-converse' && line.status === 200);
    expect(entry).toMatchObject({ input_tokens: 3012, output_tokens: 5, cached_input_tokens: 2000, cache_creation_input_tokens: 1000, attempts: 1 });
  });

  test('streaming: ConverseStream frames become the Anthropic events the SDK assembles, usage from the metadata event', async () => {
    const stream = client.messages.stream({ model: 'claude-converse', max_tokens: 30, messages: [{ role: 'user', content: 'one two three' }] });
    const events: string[] = [];
    stream.on('streamEvent', (event) => events.push(event.type));
    const final = await stream.finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: 'Hello from bedrock' }]);
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage).toEqual({ input_tokens: 6, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 4 });
    expect(events).toEqual([
      'message_start', 'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop',
    ]);
    const upstream = bedrockFake.received[0];
    expect(upstream.path).toBe(`${CONVERSE}-stream`);
    expect(upstream.headers.accept).toBe('application/vnd.amazon.eventstream');
    expect(upstream.json).toEqual({ messages: [{ role: 'user', content: [{ text: 'one two three' }] }], inferenceConfig: { maxTokens: 30 } });
    expectSigned(upstream);
    const entry = await stack.waitForAccessLog((line) => line.model === 'claude-converse' && line.input_tokens === 6);
    expect(entry).toMatchObject({ status: 200, output_tokens: 4 });
  });

  test('a throttling exception frame inside the 200 stream reaches the SDK as an error after the text so far', async () => {
    const exception = encodeEventStreamFrame(
      { ':message-type': 'exception', ':exception-type': 'throttlingException', ':content-type': 'application/json' },
      JSON.stringify({ message: 'Too many tokens, please wait before trying again.' }),
    );
    const bytes = Buffer.concat([eventFrame('messageStart', { role: 'assistant' }), eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Part' } }), exception]);
    bedrockFake.enqueue({ kind: 'raw-sse', chunks: [bytes.subarray(0, 50), bytes.subarray(50, 130), bytes.subarray(130)], intervalMs: 5, contentType: 'application/vnd.amazon.eventstream' });
    const stream = client.messages.stream({ model: 'claude-converse', max_tokens: 30, messages: [{ role: 'user', content: 'hi' }] });
    let text = '';
    stream.on('text', (delta) => (text += delta));
    const error: unknown = await stream.finalMessage().then(() => undefined, (caught: unknown) => caught);
    expect(text).toBe('Part');
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as Error).message).toContain('rate_limit_error');
    expect((error as Error).message).toContain('Too many tokens, please wait before trying again.');
  });

  test('a Bedrock ValidationException reaches the SDK as a BadRequestError in Anthropic shape', async () => {
    bedrockFake.enqueue({ kind: 'json', status: 400, body: { message: 'The provided model identifier is invalid.' }, headers: { 'x-amzn-errortype': 'ValidationException' } });
    const error: unknown = await client.messages.create({ model: 'claude-converse', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }).then(() => undefined, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error as InstanceType<typeof Anthropic.BadRequestError>).error).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'The provided model identifier is invalid.' } });
  });

  test('claude-sonnet: Anthropic answers 503, Converse serves the same Messages request in its own wire format', async () => {
    anthropicFake.enqueue({ kind: 'anthropic-error', status: 503, errorType: 'overloaded_error', message: 'Service unavailable' });
    const message = await client.messages.create({ model: 'claude-sonnet', max_tokens: 50, system: 'Be brief.', messages: [{ role: 'user', content: 'hello there' }] });
    expect(message.content).toEqual([{ type: 'text', text: 'Hello from bedrock' }]);
    expect(message.model).toBe('claude-sonnet');
    expect(message.usage).toEqual({ input_tokens: 7, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 4 });
    const first = anthropicFake.received[0];
    expect(first.path).toBe('/v1/messages');
    expect(first.headers['x-api-key']).toBe('sk-ant-backend');
    expect(first.json).toEqual({ model: 'claude-sonnet-4-5', max_tokens: 50, system: 'Be brief.', messages: [{ role: 'user', content: 'hello there' }] });
    const second = bedrockFake.received[0];
    expect(second.path).toBe(CONVERSE);
    expect(second.headers['x-api-key']).toBeUndefined();
    expect(second.json).toEqual({ messages: [{ role: 'user', content: [{ text: 'hello there' }] }], system: [{ text: 'Be brief.' }], inferenceConfig: { maxTokens: 50 } });
    expectSigned(second);
    const entry = await stack.waitForAccessLog((line) => line.model === 'claude-sonnet' && line.status === 200);
    expect(entry).toMatchObject({ attempts: 2, input_tokens: 7, output_tokens: 4 });
  });
});
