import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { eventFrame } from '../src/fake-provider/bedrock-behaviours';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { Stack, TEST_KEY, describeE2E } from './harness';

const CLAUDE = 'anthropic.claude-3-5-sonnet-20241022-v2:0';
/** An MCP-style name: Gemini takes it; OpenAI, Anthropic and Bedrock refuse the dot. */
const DOTTED = 'github.create_issue';
/** 83 characters: Anthropic takes up to 128; OpenAI, Bedrock and Gemini 64. */
const LONG = `mcp__${'long_tool_name_'.repeat(5)}end`;
/** Only Gemini refuses it: a function name must start with a letter or `_` there. */
const DIGIT = '2fa_check';
/** What the gateway sends instead (src/providers/identifier-map.ts): allowed characters, cut to fit, plus a hash of the whole name. */
const DOTTED_SENT = 'github_create_issue_e877a647';
const LONG_SENT = 'mcp__long_tool_name_long_tool_name_long_tool_name_long__930a677c';
const DIGIT_SENT = '_2fa_check_1c260b76';

const OPENAI_DOWN = { kind: 'json', status: 503, body: { error: { message: 'down', type: 'server_error', param: null, code: null } } } as const;

const SCHEMA = { type: 'object', properties: { title: { type: 'string' } } };
const chatTools = (names: readonly string[]): OpenAI.ChatCompletionTool[] => names.map((name) => ({ type: 'function', function: { name, parameters: SCHEMA } }));
/** An agent's history: one earlier call of the dotted tool, and its result. */
const CHAT_HISTORY: OpenAI.ChatCompletionMessageParam[] = [
  { role: 'user', content: 'File a bug, then another' },
  { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: DOTTED, arguments: '{"title":"First"}' } }] },
  { role: 'tool', tool_call_id: 'call_1', content: 'issue 1' },
];

/** Converse's answer calling `name`. */
const converseCall = (name: string): object => ({
  output: { message: { role: 'assistant', content: [{ toolUse: { toolUseId: 'tooluse_1', name, input: { title: 'Second' } } }] } },
  stopReason: 'tool_use',
  usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 },
  metrics: { latencyMs: 1 },
});

/** ConverseStream's frames calling `name`. */
const converseStreamCall = (name: string): { kind: 'raw-sse'; chunks: Buffer[]; contentType: string } => ({
  kind: 'raw-sse',
  contentType: 'application/vnd.amazon.eventstream',
  chunks: [
    eventFrame('messageStart', { role: 'assistant' }),
    eventFrame('contentBlockStart', { contentBlockIndex: 0, start: { toolUse: { toolUseId: 'tooluse_1', name } } }),
    eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: '{"title":"Second"}' } } }),
    eventFrame('contentBlockStop', { contentBlockIndex: 0 }),
    eventFrame('messageStop', { stopReason: 'tool_use' }),
    eventFrame('metadata', { usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 }, metrics: { latencyMs: 1 } }),
  ],
});

/** Anthropic's Messages answer calling `name`. */
const messageCall = (name: string): object => ({
  id: 'msg_1',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5',
  content: [{ type: 'tool_use', id: 'toolu_1', name, input: { title: 'Second' } }],
  stop_reason: 'tool_use',
  stop_sequence: null,
  usage: { input_tokens: 10, output_tokens: 5 },
});

/** Anthropic's stream calling `name`: named events. */
function messageStreamCall(name: string): { kind: 'sse'; events: string[]; eventNames: string[] } {
  const events = [
    { type: 'message_start', message: { ...messageCall(name), content: [], stop_reason: null, usage: { input_tokens: 10, output_tokens: 0 } } },
    { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_1', name, input: {} } },
    { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"title":"Second"}' } },
    { type: 'content_block_stop', index: 0 },
    { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 5 } },
    { type: 'message_stop' },
  ];
  return { kind: 'sse', events: events.map((event) => JSON.stringify(event)), eventNames: events.map((event) => event.type) };
}

/** Gemini's answer calling `name`. */
const geminiCall = (name: string): object => ({
  candidates: [{ content: { role: 'model', parts: [{ functionCall: { name, args: { title: 'Second' } } }] }, finishReason: 'STOP', index: 0 }],
  usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 },
});

/** The tool names of a streamed chat answer, from the SDK's chunks. */
async function streamedNames(stream: AsyncIterable<OpenAI.ChatCompletionChunk>): Promise<{ names: string[]; args: string }> {
  const names: string[] = [];
  let args = '';
  for await (const chunk of stream) {
    for (const call of chunk.choices[0]?.delta.tool_calls ?? []) {
      if (call.function?.name) names.push(call.function.name);
      args += call.function?.arguments ?? '';
    }
  }
  return { names, args };
}

/**
 * Issue 19 item 1, tool names: a client declares names that its first backend (an
 * OpenAI-compatible server) would take but the next one refuses. Each fake refuses the names its
 * real API refuses (src/fake-provider/tool-name-checks.ts, and 'checked' answers keep those checks
 * for the queued tool calls), so these pass only if every attempt gets names valid for its own
 * backend and the client gets its own names back, streamed and not.
 */
describeE2E('failover within one request with tool names only some providers accept', () => {
  let openaiFake: FakeProvider;
  let bedrockFake: FakeProvider;
  let anthropicFake: FakeProvider;
  let geminiFake: FakeProvider;
  let stack: Stack;
  let openai: OpenAI;
  let anthropic: Anthropic;

  beforeAll(async () => {
    [openaiFake, bedrockFake, anthropicFake, geminiFake] = await Promise.all(['gpt', 'bedrock', 'anthropic', 'gemini'].map((name) => FakeProvider.start({ name })));
    stack = await Stack.start({
      env: { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', OPENAI_KEY: 'sk-openai', ANTHROPIC_KEY: 'sk-ant', GEMINI_KEY: 'AIza-key' },
      config: {
        backends: [
          { name: 'openai', kind: 'openai', baseUrl: `${openaiFake.url}/v1`, credential: { env: 'OPENAI_KEY' } },
          { name: 'bedrock', kind: 'bedrock', baseUrl: bedrockFake.url, aws: { region: 'us-east-1' } },
          { name: 'anthropic', kind: 'anthropic', baseUrl: anthropicFake.url, credential: { env: 'ANTHROPIC_KEY' } },
          { name: 'gemini', kind: 'gemini', baseUrl: geminiFake.url, credential: { env: 'GEMINI_KEY' } },
        ],
        models: [
          { name: 'agent-bedrock', backends: [{ backend: 'openai', model: 'gpt-4o' }, { backend: 'bedrock', model: CLAUDE }] },
          { name: 'agent-anthropic', backends: [{ backend: 'openai', model: 'gpt-4o' }, { backend: 'anthropic', model: 'claude-sonnet-4-5' }] },
          { name: 'agent-gemini', backends: [{ backend: 'openai', model: 'gpt-4o' }, { backend: 'gemini', model: 'gemini-2.5-flash' }] },
          { name: 'responses-openai', backends: [{ backend: 'openai', model: 'gpt-4o' }] },
        ],
      },
    });
    openai = new OpenAI({ apiKey: TEST_KEY, baseURL: `${stack.baseUrl}/v1`, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: TEST_KEY, baseURL: stack.baseUrl, maxRetries: 0 });
  });

  afterAll(async () => {
    await stack?.stop();
    await Promise.all([openaiFake, bedrockFake, anthropicFake, geminiFake].map((fake) => fake?.close()));
  });

  beforeEach(() => {
    for (const fake of [openaiFake, bedrockFake, anthropicFake, geminiFake]) fake.reset();
    openaiFake.enqueue(OPENAI_DOWN);
  });

  /** The tool names Bedrock received: declared, and called in the history. */
  function bedrockNames(): { declared: string[]; called: unknown } {
    const json = bedrockFake.received[0].json as { toolConfig: { tools: Array<{ toolSpec: { name: string } }> }; messages: Array<{ content: unknown }> };
    return { declared: json.toolConfig.tools.map((tool) => tool.toolSpec.name), called: json.messages[1].content };
  }

  test('OpenAI SDK: OpenAI answers 503, Bedrock gets names valid there and calls one; the client sees its own name', async () => {
    bedrockFake.enqueue({ kind: 'checked', then: { kind: 'json', status: 200, body: converseCall(DOTTED_SENT) } });
    const completion = await openai.chat.completions.create({ model: 'agent-bedrock', messages: CHAT_HISTORY, tools: chatTools([DOTTED, LONG]) });
    expect(completion.choices[0].message.tool_calls).toEqual([{ id: 'tooluse_1', type: 'function', function: { name: DOTTED, arguments: '{"title":"Second"}' } }]);
    expect(completion.choices[0].finish_reason).toBe('tool_calls');
    // The OpenAI attempt got names valid for OpenAI too (same rule as Bedrock's here).
    const first = openaiFake.received[0].json as { tools: Array<{ function: { name: string } }> };
    expect(first.tools.map((tool) => tool.function.name)).toEqual([DOTTED_SENT, LONG_SENT]);
    expect(bedrockNames()).toEqual({ declared: [DOTTED_SENT, LONG_SENT], called: [{ toolUse: { toolUseId: 'call_1', name: DOTTED_SENT, input: { title: 'First' } } }] });
  });

  test('OpenAI SDK, streaming: ConverseStream calls the long tool by its Bedrock name; the stream names the client one', async () => {
    bedrockFake.enqueue({ kind: 'checked', then: converseStreamCall(LONG_SENT) });
    const stream = await openai.chat.completions.create({ model: 'agent-bedrock', stream: true, messages: CHAT_HISTORY, tools: chatTools([DOTTED, LONG]) });
    expect(await streamedNames(stream)).toEqual({ names: [LONG], args: '{"title":"Second"}' });
    expect(bedrockFake.received[0].path).toBe('/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse-stream');
    expect(bedrockNames().declared).toEqual([DOTTED_SENT, LONG_SENT]);
  });

  test('OpenAI SDK: Anthropic gets the dotted name rewritten and the 83-character one (valid up to 128) as sent', async () => {
    anthropicFake.enqueue({ kind: 'checked', then: { kind: 'json', status: 200, body: messageCall(DOTTED_SENT) } });
    const completion = await openai.chat.completions.create({ model: 'agent-anthropic', messages: CHAT_HISTORY, tools: chatTools([DOTTED, LONG]), tool_choice: { type: 'function', function: { name: DOTTED } } });
    expect(completion.choices[0].message.tool_calls).toEqual([{ id: 'toolu_1', type: 'function', function: { name: DOTTED, arguments: '{"title":"Second"}' } }]);
    const json = anthropicFake.received[0].json as { tools: Array<{ name: string }>; tool_choice: unknown; messages: Array<{ content: unknown }> };
    expect(json.tools.map((tool) => tool.name)).toEqual([DOTTED_SENT, LONG]);
    expect(json.tool_choice).toEqual({ type: 'tool', name: DOTTED_SENT });
    expect(json.messages[1].content).toEqual([{ type: 'tool_use', id: 'call_1', name: DOTTED_SENT, input: { title: 'First' } }]);
  });

  test('OpenAI SDK, streaming to Gemini: a name starting with a digit gets a leading `_`, the dotted one stays; the client sees its own', async () => {
    geminiFake.enqueue({ kind: 'checked', then: { kind: 'sse', events: [JSON.stringify(geminiCall(DIGIT_SENT))] } });
    const history: OpenAI.ChatCompletionMessageParam[] = [
      { role: 'user', content: 'Check, then file' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: DIGIT, arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: 'ok' },
    ];
    const stream = await openai.chat.completions.create({ model: 'agent-gemini', stream: true, messages: history, tools: chatTools([DOTTED, DIGIT]) });
    expect(await streamedNames(stream)).toEqual({ names: [DIGIT], args: '{"title":"Second"}' });
    const json = geminiFake.received[0].json as { tools: Array<{ functionDeclarations: Array<{ name: string }> }>; contents: unknown };
    expect(json.tools[0].functionDeclarations.map((declaration) => declaration.name)).toEqual([DOTTED, DIGIT_SENT]);
    expect(json.contents).toEqual([
      { role: 'user', parts: [{ text: 'Check, then file' }] },
      // No Gemini signature on a call another provider wrote: Gemini 3 gets the documented dummy.
      { role: 'model', parts: [{ functionCall: { name: DIGIT_SENT, args: {} }, thoughtSignature: 'skip_thought_signature_validator' }] },
      { role: 'user', parts: [{ functionResponse: { name: DIGIT_SENT, response: { content: 'ok' } } }] },
    ]);
  });

  test('OpenAI SDK to Gemini, not streamed: the answer names the client tool', async () => {
    geminiFake.enqueue({ kind: 'checked', then: { kind: 'json', status: 200, body: geminiCall(DIGIT_SENT) } });
    const completion = await openai.chat.completions.create({ model: 'agent-gemini', messages: [{ role: 'user', content: 'Check' }], tools: chatTools([DIGIT]) });
    expect(completion.choices[0].message.tool_calls?.map((call) => call.type === 'function' && call.function)).toEqual([{ name: DIGIT, arguments: '{"title":"Second"}' }]);
  });

  const MESSAGES_TOOLS = [DOTTED, LONG].map((name) => ({ name, input_schema: { type: 'object' as const, properties: { title: { type: 'string' } } } }));
  const MESSAGES_HISTORY: Anthropic.MessageParam[] = [
    { role: 'user', content: 'File a bug, then another' },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_0', name: LONG, input: { title: 'First' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_0', content: 'issue 1' }] },
  ];

  test('Anthropic SDK: OpenAI answers 503, Bedrock gets both names rewritten and calls one; the client sees its own', async () => {
    bedrockFake.enqueue({ kind: 'checked', then: { kind: 'json', status: 200, body: converseCall(LONG_SENT) } });
    const message = await anthropic.messages.create({ model: 'agent-bedrock', max_tokens: 100, tools: MESSAGES_TOOLS, messages: MESSAGES_HISTORY });
    expect(message.content).toEqual([{ type: 'tool_use', id: 'tooluse_1', name: LONG, input: { title: 'Second' } }]);
    expect(bedrockNames()).toEqual({ declared: [DOTTED_SENT, LONG_SENT], called: [{ toolUse: { toolUseId: 'toolu_0', name: LONG_SENT, input: { title: 'First' } } }] });
  });

  test('Anthropic SDK, streaming: ConverseStream events come back as content_block_start with the client name', async () => {
    bedrockFake.enqueue({ kind: 'checked', then: converseStreamCall(DOTTED_SENT) });
    const stream = anthropic.messages.stream({ model: 'agent-bedrock', max_tokens: 100, tools: MESSAGES_TOOLS, messages: MESSAGES_HISTORY });
    const started: string[] = [];
    stream.on('streamEvent', (event) => {
      if (event.type === 'content_block_start' && event.content_block.type === 'tool_use') started.push(event.content_block.name);
    });
    const message = await stream.finalMessage();
    expect(started).toEqual([DOTTED]);
    expect(message.content).toEqual([{ type: 'tool_use', id: 'tooluse_1', name: DOTTED, input: { title: 'Second' } }]);
  });

  test('Anthropic SDK, streaming to Anthropic (pass-through): the dotted name is rewritten there and mapped back in the events', async () => {
    anthropicFake.enqueue({ kind: 'checked', then: messageStreamCall(DOTTED_SENT) });
    const stream = anthropic.messages.stream({ model: 'agent-anthropic', max_tokens: 100, tools: MESSAGES_TOOLS, messages: MESSAGES_HISTORY, tool_choice: { type: 'tool', name: DOTTED } });
    const message = await stream.finalMessage();
    expect(message.content).toEqual([{ type: 'tool_use', id: 'toolu_1', name: DOTTED, input: { title: 'Second' } }]);
    const json = anthropicFake.received[0].json as { tools: Array<{ name: string }>; tool_choice: unknown };
    expect(json.tools.map((tool) => tool.name)).toEqual([DOTTED_SENT, LONG]);
    expect(json.tool_choice).toEqual({ type: 'tool', name: DOTTED_SENT });
  });

  describe('OpenAI Responses client on an OpenAI backend (no other provider serves the Responses API yet)', () => {
    const item = (name: string, status: string): object => ({ type: 'function_call', id: 'fc_1', call_id: 'call_2', name, arguments: '{"title":"Second"}', status });
    const response = (name: string): object => ({
      id: 'resp_1',
      object: 'response',
      created_at: 1700000000,
      status: 'completed',
      model: 'gpt-4o',
      output: [item(name, 'completed')],
      usage: { input_tokens: 10, output_tokens: 5, total_tokens: 15 },
    });
    const input: OpenAI.Responses.ResponseInput = [
      { role: 'user', content: 'File a bug, then another' },
      { type: 'function_call', call_id: 'call_1', name: DOTTED, arguments: '{"title":"First"}' },
      { type: 'function_call_output', call_id: 'call_1', output: 'issue 1' },
    ];
    const tools: OpenAI.Responses.Tool[] = [{ type: 'function', name: DOTTED, parameters: SCHEMA, strict: false }];

    beforeEach(() => openaiFake.reset());

    test('the input, tools and tool_choice reach OpenAI with a valid name; output names the client tool', async () => {
      openaiFake.enqueue({ kind: 'checked', then: { kind: 'json', status: 200, body: response(DOTTED_SENT) } });
      const answer = await openai.responses.create({ model: 'responses-openai', input, tools, tool_choice: { type: 'function', name: DOTTED } });
      expect(answer.output).toEqual([item(DOTTED, 'completed')]);
      const json = openaiFake.received[0].json as { input: Array<{ name?: string }>; tools: Array<{ name: string }>; tool_choice: unknown };
      expect([json.input[1].name, json.tools[0].name, json.tool_choice]).toEqual([DOTTED_SENT, DOTTED_SENT, { type: 'function', name: DOTTED_SENT }]);
    });

    test('streamed: output_item events and response.completed name the client tool', async () => {
      const events = [
        { type: 'response.output_item.added', sequence_number: 0, output_index: 0, item: item(DOTTED_SENT, 'in_progress') },
        { type: 'response.function_call_arguments.done', sequence_number: 1, output_index: 0, item_id: 'fc_1', name: DOTTED_SENT, arguments: '{"title":"Second"}' },
        { type: 'response.output_item.done', sequence_number: 2, output_index: 0, item: item(DOTTED_SENT, 'completed') },
        { type: 'response.completed', sequence_number: 3, response: response(DOTTED_SENT) },
      ];
      openaiFake.enqueue({ kind: 'checked', then: { kind: 'sse', events: events.map((event) => JSON.stringify(event)), eventNames: events.map((event) => event.type) } });
      const stream = await openai.responses.create({ model: 'responses-openai', input, tools, stream: true });
      const names: string[] = [];
      for await (const event of stream) {
        if (event.type === 'response.output_item.added' || event.type === 'response.output_item.done') names.push((event.item as { name: string }).name);
        if (event.type === 'response.function_call_arguments.done') names.push((event as { name?: string }).name ?? '');
        if (event.type === 'response.completed') names.push(...event.response.output.map((output) => (output as { name: string }).name));
      }
      expect(names).toEqual([DOTTED, DOTTED, DOTTED, DOTTED]);
    });
  });

  test('without the rewrite each fake refuses the name as its API does (the checks the cases above rely on)', async () => {
    const bedrockAnswer = await fetch(`${bedrockFake.url}/model/m/converse`, {
      method: 'POST',
      headers: { authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=${'0'.repeat(64)}` },
      body: JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'x' }] }], toolConfig: { tools: [{ toolSpec: { name: DOTTED, inputSchema: { json: {} } } }] } }),
    });
    expect([bedrockAnswer.status, await bedrockAnswer.json()]).toEqual([
      400,
      { message: `1 validation error detected: Value '${DOTTED}' at 'toolConfig.tools.1.member.toolSpec.name' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+` },
    ]);
  });
});
