import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { Stack, TEST_KEY, describeE2E } from './harness';

const CLAUDE = 'anthropic.claude-3-5-sonnet-20241022-v2:0';
const NOVA = 'amazon.nova-pro-v1:0';
/** Ids only some providers accept: OpenAI-compatible servers write the dotted form, 80 characters break Bedrock's 64. */
const DOTTED = 'functions.get_weather:1';
const LONG_CALL = `call_${'q7Xz'.repeat(18)}abc`;
const LONG_TOOLU = `toolu_${'01Hq'.repeat(18)}xy`;
/** What the gateway sends instead: allowed characters, cut to fit, plus a hash of the whole id (src/providers/history-ids.ts). */
const DOTTED_FIXED = 'functions_get_weather_1_26c478f3';
const LONG_CALL_FIXED = 'call_q7Xzq7Xzq7Xzq7Xzq7Xzq7Xzq7Xzq7Xzq7Xzq7Xzq7Xzq7Xzq7_3bf930de';
const LONG_CALL_FOR_OPENAI = 'call_q7Xzq7Xzq7Xzq7Xzq7Xzq7Xzq7_3bf930de';
const LONG_TOOLU_FIXED = 'toolu_01Hq01Hq01Hq01Hq01Hq01Hq01Hq01Hq01Hq01Hq01Hq01Hq0_6e1f2d9f';

const OPENAI_DOWN = { kind: 'json', status: 503, body: { error: { message: 'down', type: 'server_error', param: null, code: null } } } as const;

/** An agent's OpenAI chat history: two parallel calls with ids that only OpenAI accepts, and their results. */
const OPENAI_HISTORY: OpenAI.ChatCompletionMessageParam[] = [
  { role: 'user', content: 'Weather in Paris and Rome?' },
  {
    role: 'assistant',
    content: null,
    tool_calls: [
      { id: LONG_CALL, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      { id: DOTTED, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
    ],
  },
  { role: 'tool', tool_call_id: LONG_CALL, content: '18C' },
  { role: 'tool', tool_call_id: DOTTED, content: '24C' },
];
const TOOLS: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];

/** The Converse history Bedrock must receive for OPENAI_HISTORY: valid ids, each call still paired with its result. */
const CONVERSE_HISTORY = [
  { role: 'user', content: [{ text: 'Weather in Paris and Rome?' }] },
  {
    role: 'assistant',
    content: [
      { toolUse: { toolUseId: LONG_CALL_FIXED, name: 'get_weather', input: { city: 'Paris' } } },
      { toolUse: { toolUseId: DOTTED_FIXED, name: 'get_weather', input: { city: 'Rome' } } },
    ],
  },
  {
    role: 'user',
    content: [
      { toolResult: { toolUseId: LONG_CALL_FIXED, content: [{ text: '18C' }] } },
      { toolResult: { toolUseId: DOTTED_FIXED, content: [{ text: '24C' }] } },
    ],
  },
];

/**
 * Issue 19 item 4: failover between attempts of one request, where the history only the first
 * backend's rules allow. The fakes refuse ids their real APIs refuse (history-id-checks.ts), so
 * these pass only if each attempt's translation makes the ids valid for its own backend.
 */
describeE2E('failover within one request with a history only the first provider accepts', () => {
  let openaiFake: FakeProvider;
  let bedrockFake: FakeProvider;
  let anthropicFake: FakeProvider;
  let stack: Stack;
  let openai: OpenAI;
  let anthropic: Anthropic;

  beforeAll(async () => {
    openaiFake = await FakeProvider.start({ name: 'gpt' });
    bedrockFake = await FakeProvider.start({ name: 'bedrock' });
    anthropicFake = await FakeProvider.start({ name: 'anthropic' });
    stack = await Stack.start({
      env: { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', OPENAI_KEY: 'sk-openai', ANTHROPIC_KEY: 'sk-ant' },
      config: {
        backends: [
          { name: 'openai', kind: 'openai', baseUrl: `${openaiFake.url}/v1`, credential: { env: 'OPENAI_KEY' } },
          { name: 'bedrock', kind: 'bedrock', baseUrl: bedrockFake.url, aws: { region: 'us-east-1' } },
          { name: 'anthropic', kind: 'anthropic', baseUrl: anthropicFake.url, credential: { env: 'ANTHROPIC_KEY' } },
        ],
        models: [
          { name: 'agent-bedrock', backends: [{ backend: 'openai', model: 'gpt-4o' }, { backend: 'bedrock', model: CLAUDE }] },
          { name: 'agent-anthropic', backends: [{ backend: 'openai', model: 'gpt-4o' }, { backend: 'anthropic', model: 'claude-sonnet-4-5' }] },
          { name: 'claude-or-nova', backends: [{ backend: 'anthropic', model: 'claude-sonnet-4-5' }, { backend: 'bedrock', model: NOVA }] },
        ],
      },
    });
    openai = new OpenAI({ apiKey: TEST_KEY, baseURL: `${stack.baseUrl}/v1`, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: TEST_KEY, baseURL: stack.baseUrl, maxRetries: 0 });
  });

  afterAll(async () => {
    await stack?.stop();
    await Promise.all([openaiFake?.close(), bedrockFake?.close(), anthropicFake?.close()]);
  });

  beforeEach(() => {
    openaiFake.reset();
    bedrockFake.reset();
    anthropicFake.reset();
  });

  test('OpenAI SDK: OpenAI answers 503, Bedrock Converse gets valid paired ids, the client a normal answer', async () => {
    openaiFake.enqueue(OPENAI_DOWN);
    const completion = await openai.chat.completions.create({ model: 'agent-bedrock', messages: OPENAI_HISTORY, tools: TOOLS });
    expect(completion.choices[0].message).toEqual({ role: 'assistant', content: 'Hello from bedrock', refusal: null });
    // The first attempt got the dotted id as sent (OpenAI takes any characters) and the long one cut to OpenAI's 40.
    const first = openaiFake.received[0].json as { messages: Array<{ tool_call_id?: string }> };
    expect(first.messages.map((message) => message.tool_call_id)).toEqual([undefined, undefined, LONG_CALL_FOR_OPENAI, DOTTED]);
    expect(bedrockFake.received).toHaveLength(1);
    expect((bedrockFake.received[0].json as { messages: unknown }).messages).toEqual(CONVERSE_HISTORY);
    const entry = await stack.waitForAccessLog((line) => line.model === 'agent-bedrock' && line.status === 200);
    expect(entry).toMatchObject({ attempts: 2 });
  });

  test('OpenAI SDK, streaming: the same history fails over to ConverseStream and streams back', async () => {
    openaiFake.enqueue(OPENAI_DOWN);
    const stream = await openai.chat.completions.create({ model: 'agent-bedrock', stream: true, messages: OPENAI_HISTORY, tools: TOOLS });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hello from bedrock');
    expect(bedrockFake.received[0].path).toBe('/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse-stream');
    expect((bedrockFake.received[0].json as { messages: unknown }).messages).toEqual(CONVERSE_HISTORY);
  });

  test('OpenAI SDK: OpenAI answers 503, Anthropic gets the dotted id rewritten and the long one (valid there) as sent', async () => {
    openaiFake.enqueue(OPENAI_DOWN);
    const completion = await openai.chat.completions.create({ model: 'agent-anthropic', messages: OPENAI_HISTORY, tools: TOOLS });
    expect(completion.choices[0].message.content).toBe('Hello from anthropic');
    expect((anthropicFake.received[0].json as { messages: unknown }).messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Rome?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: LONG_CALL, name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: DOTTED_FIXED, name: 'get_weather', input: { city: 'Rome' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: LONG_CALL, content: '18C' },
          { type: 'tool_result', tool_use_id: DOTTED_FIXED, content: '24C' },
        ],
      },
    ]);
  });

  test('Anthropic SDK: Anthropic overloaded (529), Bedrock Converse gets 80-character ids cut to 64, still paired', async () => {
    anthropicFake.enqueue({ kind: 'anthropic-error', status: 529, errorType: 'overloaded_error', message: 'Overloaded' });
    const message = await anthropic.messages.create({
      model: 'claude-or-nova',
      max_tokens: 50,
      tools: [{ name: 'get_weather', input_schema: { type: 'object' } }],
      messages: [
        { role: 'user', content: 'Weather in Oslo?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: LONG_TOOLU, name: 'get_weather', input: { city: 'Oslo' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: LONG_TOOLU, content: '3C' }] },
      ],
    });
    expect(message.content).toEqual([{ type: 'text', text: 'Hello from bedrock' }]);
    // Anthropic itself took the 80-character id as the client sent it.
    expect(JSON.stringify(anthropicFake.received[0].json)).toContain(`"tool_use_id":"${LONG_TOOLU}"`);
    expect((bedrockFake.received[0].json as { messages: unknown }).messages).toEqual([
      { role: 'user', content: [{ text: 'Weather in Oslo?' }] },
      { role: 'assistant', content: [{ toolUse: { toolUseId: LONG_TOOLU_FIXED, name: 'get_weather', input: { city: 'Oslo' } } }] },
      { role: 'user', content: [{ toolResult: { toolUseId: LONG_TOOLU_FIXED, content: [{ text: '3C' }] } }] },
    ]);
  });
});
