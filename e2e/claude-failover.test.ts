import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { invokeChunkFrame } from '../src/fake-provider/bedrock-behaviours';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { expectedSignature, parseAuthorization } from '../src/providers/bedrock/__fixtures__/sigv4-verifier';
import { encodeEventStreamFrame } from '../src/providers/bedrock/eventstream-decoder';
import { Stack, TEST_KEY, describeE2E } from './harness';

const BEDROCK_CLAUDE = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

/**
 * One Claude model served by Anthropic first and Claude on Bedrock (InvokeModel) second:
 * each attempt is translated for its own provider, so an overloaded Anthropic fails over to
 * Bedrock mid-request, for Anthropic and OpenAI clients alike.
 */
describeE2E('claude-sonnet: Anthropic, then Bedrock InvokeModel', () => {
  let anthropicFake: FakeProvider;
  let bedrockFake: FakeProvider;
  let vertexFake: FakeProvider;
  let stack: Stack;
  let anthropic: Anthropic;
  let openai: OpenAI;

  beforeAll(async () => {
    anthropicFake = await FakeProvider.start({ name: 'anthropic' });
    bedrockFake = await FakeProvider.start({ name: 'bedrock' });
    vertexFake = await FakeProvider.start({ name: 'vertex' });
    stack = await Stack.start({
      env: { ANTHROPIC_KEY: 'sk-ant-backend', AWS_KEY_ID: 'AKIDFAILOVER', AWS_SECRET: SECRET, VERTEX_TOKEN: 'ya29.failover' },
      config: {
        backends: [
          { name: 'anthropic', kind: 'anthropic', baseUrl: anthropicFake.url, credential: { env: 'ANTHROPIC_KEY' } },
          { name: 'bedrock', kind: 'bedrock', api: 'invoke', baseUrl: bedrockFake.url, aws: { region: 'us-east-1', accessKeyId: { env: 'AWS_KEY_ID' }, secretAccessKey: { env: 'AWS_SECRET' } } },
          { name: 'vertex', kind: 'vertex', baseUrl: vertexFake.url, gcp: { project: 'claude-project', location: 'us-east5' }, credential: { env: 'VERTEX_TOKEN' } },
        ],
        models: [
          { name: 'claude-sonnet', backends: [{ backend: 'anthropic', model: 'claude-sonnet-4-5' }, { backend: 'bedrock', model: BEDROCK_CLAUDE }] },
          {
            name: 'claude-everywhere',
            backends: [
              { backend: 'anthropic', model: 'claude-sonnet-4-5' },
              { backend: 'bedrock', model: BEDROCK_CLAUDE },
              { backend: 'vertex', model: 'claude-sonnet-4-5@20250929' },
            ],
          },
        ],
      },
    });
    anthropic = new Anthropic({ apiKey: TEST_KEY, baseURL: stack.baseUrl, maxRetries: 0 });
    openai = new OpenAI({ apiKey: TEST_KEY, baseURL: `${stack.baseUrl}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await stack?.stop();
    await Promise.all([anthropicFake?.close(), bedrockFake?.close(), vertexFake?.close()]);
  });

  beforeEach(() => {
    anthropicFake.reset();
    bedrockFake.reset();
    vertexFake.reset();
  });

  test('Anthropic overloaded, Bedrock throttled, Vertex answers: each provider gets its own request for the same message', async () => {
    anthropicFake.enqueue({ kind: 'anthropic-error', status: 529, errorType: 'overloaded_error', message: 'Overloaded' });
    bedrockFake.enqueue({ kind: 'json', status: 429, body: { message: 'Too many requests, please wait before trying again.' }, headers: { 'x-amzn-errortype': 'ThrottlingException' } });
    const message = await anthropic.messages.create({ model: 'claude-everywhere', max_tokens: 30, messages: [{ role: 'user', content: 'hello there' }] });
    expect(message.content).toEqual([{ type: 'text', text: 'Hello from vertex' }]);
    expect(anthropicFake.received[0].json).toEqual({ model: 'claude-sonnet-4-5', max_tokens: 30, messages: [{ role: 'user', content: 'hello there' }] });
    expect(bedrockFake.received[0].path).toBe('/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke');
    expect(bedrockFake.received[0].json).toEqual({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 30, messages: [{ role: 'user', content: 'hello there' }] });
    expect(vertexFake.received[0].path).toBe('/v1/projects/claude-project/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict');
    expect(vertexFake.received[0].headers.authorization).toBe('Bearer ya29.failover');
    expect(vertexFake.received[0].json).toEqual({ anthropic_version: 'vertex-2023-10-16', max_tokens: 30, messages: [{ role: 'user', content: 'hello there' }] });
    const entry = await stack.waitForAccessLog((line) => line.model === 'claude-everywhere');
    expect(entry).toMatchObject({ status: 200, attempts: 3, output_tokens: 4 });
  });

  test('Anthropic SDK: 529 overloaded at Anthropic, answered by Bedrock with the same Messages body, SigV4-signed', async () => {
    anthropicFake.enqueue({ kind: 'anthropic-error', status: 529, errorType: 'overloaded_error', message: 'Overloaded' });
    const message = await anthropic.messages.create({ model: 'claude-sonnet', max_tokens: 50, system: 'Be brief.', messages: [{ role: 'user', content: 'hello there' }] });
    expect(message.content).toEqual([{ type: 'text', text: 'Hello from bedrock' }]);
    expect(message.model).toBe(BEDROCK_CLAUDE);
    const first = anthropicFake.received[0];
    expect(first.headers['x-api-key']).toBe('sk-ant-backend');
    expect(first.json).toEqual({ model: 'claude-sonnet-4-5', max_tokens: 50, system: 'Be brief.', messages: [{ role: 'user', content: 'hello there' }] });
    const second = bedrockFake.received[0];
    expect(second.path).toBe('/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke');
    expect(second.headers['x-api-key']).toBeUndefined();
    expect(second.headers['anthropic-version']).toBeUndefined();
    expect(second.json).toEqual({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 50, system: 'Be brief.', messages: [{ role: 'user', content: 'hello there' }] });
    expect(parseAuthorization(second.headers.authorization)?.signature).toBe(expectedSignature(second, SECRET));
    const entry = await stack.waitForAccessLog((line) => line.path === '/v1/messages' && line.model === 'claude-sonnet' && line.status === 200);
    expect(entry).toMatchObject({ attempts: 2, input_tokens: message.usage.input_tokens, output_tokens: 4 });
  });

  test('OpenAI SDK, streaming: Anthropic down, Bedrock streams in event stream frames, the client gets OpenAI chunks and usage', async () => {
    anthropicFake.enqueue({ kind: 'anthropic-error', status: 529, errorType: 'overloaded_error', message: 'Overloaded' });
    const { data: stream, response } = await openai.chat.completions
      .create({ model: 'claude-sonnet', stream: true, stream_options: { include_usage: true }, max_tokens: 20, messages: [{ role: 'user', content: 'one two three' }] })
      .withResponse();
    // Bedrock answered with an AWS event stream; the client reads SSE and is told so.
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe('Hello from bedrock');
    expect(usage).toEqual(expect.objectContaining({ prompt_tokens: 6, completion_tokens: 4, total_tokens: 10 }));
    expect(bedrockFake.received[0].path).toBe('/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke-with-response-stream');
    expect(bedrockFake.received[0].json).toEqual({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 20, messages: [{ role: 'user', content: [{ type: 'text', text: 'one two three' }] }] });
  });

  test('a throttling exception inside Bedrock’s HTTP 200 stream reaches the Anthropic SDK as an error, not a cut answer', async () => {
    anthropicFake.enqueue({ kind: 'anthropic-error', status: 529, errorType: 'overloaded_error', message: 'Overloaded' });
    const start = '{"type":"message_start","message":{"id":"msg_b1","type":"message","role":"assistant","model":"claude","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":9,"output_tokens":1}}}';
    bedrockFake.enqueue({
      kind: 'raw-sse',
      contentType: 'application/vnd.amazon.eventstream',
      chunks: [
        invokeChunkFrame(start),
        invokeChunkFrame('{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}'),
        invokeChunkFrame('{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel"}}'),
        encodeEventStreamFrame({ ':message-type': 'exception', ':exception-type': 'throttlingException', ':content-type': 'application/json' }, '{"message":"Too many tokens, please wait before trying again."}'),
      ],
    });
    const stream = anthropic.messages.stream({ model: 'claude-sonnet', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] });
    const error = await stream.finalMessage().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as Error).message).toContain('Too many tokens, please wait before trying again.');
  });
});
