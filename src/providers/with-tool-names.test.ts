import { parseClientRequest } from '../api/client-request';
import type { ClientApi } from '../api/client-request';
import { validateConfig } from '../config/load';
import { compileConfig } from '../config/runtime';
import { encodeEventStreamFrame } from './bedrock/eventstream-decoder';
import { createTranslator } from './registry';
import type { Translator } from './translator';

/** A name Gemini allows and OpenAI, Anthropic and Bedrock refuse, and what those three get instead. */
const DOTTED = 'github.create_issue';
const DOTTED_SENT = 'github_create_issue_e877a647';
/** A name only Gemini refuses (it must start with a letter or `_`), and what Gemini gets. */
const DIGIT = '2fa_check';
const DIGIT_SENT = '_2fa_check_1c260b76';
/** 83 characters: Anthropic takes up to 128, OpenAI, Bedrock and Gemini 64. */
const LONG = `mcp__${'long_tool_name_'.repeat(5)}end`;
const LONG_SENT = 'mcp__long_tool_name_long_tool_name_long_tool_name_long__930a677c';

const CONFIG = compileConfig(
  validateConfig({
    backends: [
      { name: 'openai', kind: 'openai', baseUrl: 'https://api.openai.com/v1', credential: { env: 'KEY' } },
      { name: 'anthropic', kind: 'anthropic', baseUrl: 'https://api.anthropic.com', credential: { env: 'KEY' } },
      { name: 'gemini', kind: 'gemini', baseUrl: 'https://generativelanguage.googleapis.com', credential: { env: 'KEY' } },
      { name: 'bedrock', kind: 'bedrock', baseUrl: 'https://bedrock-runtime.us-east-1.amazonaws.com', aws: { accessKeyId: { env: 'KEY' }, secretAccessKey: { env: 'KEY' } } },
      { name: 'invoke', kind: 'bedrock', api: 'invoke', baseUrl: 'https://bedrock-runtime.us-east-1.amazonaws.com', aws: { accessKeyId: { env: 'KEY' }, secretAccessKey: { env: 'KEY' } } },
    ],
    models: [{ name: 'm', backends: [{ backend: 'openai' }] }],
    callers: [],
  }),
  { KEY: 'secret-test' },
);

function translator(api: ClientApi, backendName: string, body: object, model = 'm'): Translator {
  const backend = CONFIG.backends.get(backendName);
  if (!backend) throw new Error(`no backend ${backendName}`);
  return createTranslator(parseClientRequest(api, Buffer.from(JSON.stringify({ model, ...body }))), { backend, upstreamModel: model });
}

async function upstreamJson(translation: Translator): Promise<Record<string, unknown>> {
  return JSON.parse((await translation.requestBody()).body.toString('utf8')) as Record<string, unknown>;
}

/** The client's bytes for an answer fed in the given pieces (the last with endOfStream). */
function answer(translation: Translator, pieces: readonly Buffer[]): string {
  return Buffer.concat(pieces.map((piece, index) => translation.responseBody(piece, index === pieces.length - 1) ?? piece)).toString('utf8');
}

/** The stream in one piece; asserts that every split in two gives the same bytes (time stamps and random ids aside). */
function streamed(make: () => Translator, input: Buffer): string {
  const same = (text: string): string => text.replace(/"created(_at)?":\d+/g, '"created":0').replace(/"chatcmpl-[0-9a-f]+"/g, '"chatcmpl-x"');
  const output = answer(make(), [input]);
  const whole = same(output);
  for (let offset = 0; offset <= input.length; offset++) {
    const split = same(answer(make(), [input.subarray(0, offset), input.subarray(offset)]));
    if (split !== whole) throw new Error(`output differs when split at byte ${offset}:\n${split}\n---\n${whole}`);
  }
  return output;
}

const sse = (events: readonly object[], names?: readonly string[]): Buffer =>
  Buffer.from(events.map((event, index) => `${names ? `event: ${names[index]}\n` : ''}data: ${JSON.stringify(event)}\n\n`).join(''));

/** The tool names of an OpenAI chat stream's deltas, in order. */
function chatStreamNames(output: string): string[] {
  return [...output.matchAll(/"function":\{[^}]*?"name":"([^"]*)"/g)].map((match) => match[1]);
}

const CHAT_TOOLS = [DOTTED, 'get_weather', DIGIT].map((name) => ({ type: 'function', function: { name, parameters: { type: 'object', properties: {} } } }));
const CHAT_HISTORY = [
  { role: 'user', content: 'File it' },
  { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: DOTTED, arguments: '{"title":"x"}' } }] },
  { role: 'tool', tool_call_id: 'call_1', content: 'done' },
];
const CHAT_REQUEST = { messages: CHAT_HISTORY, tools: CHAT_TOOLS, tool_choice: { type: 'function', function: { name: DOTTED } } };

describe('OpenAI chat client', () => {
  const chatAnswer = (name: string): object => ({
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1,
    model: 'gpt-4o',
    choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_2', type: 'function', function: { name, arguments: '{}' } }] }, finish_reason: 'tool_calls' }],
    usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
  });
  const chatChunks = (name: string): Buffer =>
    Buffer.concat([
      sse([
        { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta: { role: 'assistant', content: null }, finish_reason: null }] },
        { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_2', type: 'function', function: { name, arguments: '' } }] }, finish_reason: null }] },
        { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{}' } }] }, finish_reason: null }] },
        { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
      ]),
      Buffer.from(': keep-alive\n\ndata: [DONE]\n\n'),
    ]);

  test('OpenAI pass-through: declarations, tool_choice and history get the valid name; the answer the client name', async () => {
    const translation = translator('openai-chat', 'openai', CHAT_REQUEST);
    expect(translation.responsePassesThrough).toBe(false);
    const sent = await upstreamJson(translation);
    // Rewritten silently, as tool-call ids are: the client sees its own names, so no x-aigw-warning.
    expect(translation.warnings).toEqual([]);
    expect(sent).toEqual({
      model: 'm',
      messages: [CHAT_HISTORY[0], { ...CHAT_HISTORY[1], tool_calls: [{ id: 'call_1', type: 'function', function: { name: DOTTED_SENT, arguments: '{"title":"x"}' } }] }, CHAT_HISTORY[2]],
      tools: [DOTTED_SENT, 'get_weather', DIGIT].map((name) => ({ type: 'function', function: { name, parameters: { type: 'object', properties: {} } } })),
      tool_choice: { type: 'function', function: { name: DOTTED_SENT } },
    });
    expect(JSON.parse(answer(translation, [Buffer.from(JSON.stringify(chatAnswer(DOTTED_SENT)))]))).toEqual(chatAnswer(DOTTED));
  });

  test('OpenAI pass-through, streamed: the name delta is mapped back, every other event keeps its bytes, at every split', () => {
    const input = chatChunks(DOTTED_SENT);
    const output = streamed(() => translator('openai-chat', 'openai', { ...CHAT_REQUEST, stream: true }), input);
    expect(output).toBe(chatChunks(DOTTED).toString('utf8'));
  });

  test('valid names for the backend: no rewrite, and the answer still passes through unread', () => {
    const translation = translator('openai-chat', 'gemini', { messages: CHAT_HISTORY, tools: CHAT_TOOLS.slice(0, 2) });
    expect(translation.responsePassesThrough).toBeUndefined();
    expect(translator('openai-chat', 'openai', { messages: [CHAT_HISTORY[0]], tools: CHAT_TOOLS.slice(1, 2) }).responsePassesThrough).toBe(true);
  });

  test('Anthropic: tools, tool_choice and tool_use blocks renamed; answer and stream carry the client name', async () => {
    const sent = await upstreamJson(translator('openai-chat', 'anthropic', CHAT_REQUEST));
    expect((sent.tools as Array<{ name: string }>).map((tool) => tool.name)).toEqual([DOTTED_SENT, 'get_weather', DIGIT]);
    expect(sent.tool_choice).toEqual({ type: 'tool', name: DOTTED_SENT });
    expect((sent.messages as Array<{ content: unknown }>)[1].content).toEqual([{ type: 'tool_use', id: 'call_1', name: DOTTED_SENT, input: { title: 'x' } }]);

    const message = { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude', content: [{ type: 'tool_use', id: 'toolu_1', name: DOTTED_SENT, input: { title: 'y' } }], stop_reason: 'tool_use', stop_sequence: null, usage: { input_tokens: 5, output_tokens: 2 } };
    const completion = JSON.parse(answer(translator('openai-chat', 'anthropic', CHAT_REQUEST), [Buffer.from(JSON.stringify(message))])) as { choices: Array<{ message: unknown }> };
    expect(completion.choices[0].message).toEqual({ role: 'assistant', content: null, refusal: null, tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: DOTTED, arguments: '{"title":"y"}' } }] });

    const events = [
      { type: 'message_start', message: { ...message, content: [], stop_reason: null, usage: { input_tokens: 5, output_tokens: 0 } } },
      { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_1', name: DOTTED_SENT, input: {} } },
      { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"title":"y"}' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 2 } },
      { type: 'message_stop' },
    ];
    const input = sse(events, events.map((event) => event.type));
    const output = streamed(() => translator('openai-chat', 'anthropic', { ...CHAT_REQUEST, stream: true }), input);
    expect(chatStreamNames(output)).toEqual([DOTTED]);
  });

  test('Bedrock Converse: toolSpec, toolChoice and toolUse renamed; answer and ConverseStream carry the client name', async () => {
    const sent = await upstreamJson(translator('openai-chat', 'bedrock', CHAT_REQUEST));
    const toolConfig = sent.toolConfig as { tools: Array<{ toolSpec: { name: string } }>; toolChoice: unknown };
    expect(toolConfig.tools.map((tool) => tool.toolSpec.name)).toEqual([DOTTED_SENT, 'get_weather', DIGIT]);
    expect(toolConfig.toolChoice).toEqual({ tool: { name: DOTTED_SENT } });
    expect((sent.messages as Array<{ content: unknown }>)[1].content).toEqual([{ toolUse: { toolUseId: 'call_1', name: DOTTED_SENT, input: { title: 'x' } } }]);

    const converse = { output: { message: { role: 'assistant', content: [{ toolUse: { toolUseId: 'tu_1', name: DOTTED_SENT, input: {} } }] } }, stopReason: 'tool_use', usage: { inputTokens: 5, outputTokens: 2, totalTokens: 7 } };
    const completion = JSON.parse(answer(translator('openai-chat', 'bedrock', CHAT_REQUEST), [Buffer.from(JSON.stringify(converse))])) as { choices: Array<{ message: { tool_calls: unknown } }> };
    expect(completion.choices[0].message.tool_calls).toEqual([{ id: 'tu_1', type: 'function', function: { name: DOTTED, arguments: '{}' } }]);

    const frame = (type: string, payload: object): Buffer => encodeEventStreamFrame({ ':message-type': 'event', ':event-type': type, ':content-type': 'application/json' }, JSON.stringify(payload));
    const input = Buffer.concat([
      frame('messageStart', { role: 'assistant' }),
      frame('contentBlockStart', { contentBlockIndex: 0, start: { toolUse: { toolUseId: 'tu_1', name: DOTTED_SENT } } }),
      frame('contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: '{}' } } }),
      frame('contentBlockStop', { contentBlockIndex: 0 }),
      frame('messageStop', { stopReason: 'tool_use' }),
      frame('metadata', { usage: { inputTokens: 5, outputTokens: 2, totalTokens: 7 }, metrics: { latencyMs: 1 } }),
    ]);
    const output = streamed(() => translator('openai-chat', 'bedrock', { ...CHAT_REQUEST, stream: true }), input);
    expect(chatStreamNames(output)).toEqual([DOTTED]);
  });

  test('Gemini: a name starting with a digit gets a leading `_`; functionCall and functionResponse follow; answers map back', async () => {
    const history = [
      { role: 'user', content: 'Check' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: DIGIT, arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: 'ok' },
    ];
    const request = { messages: history, tools: CHAT_TOOLS, tool_choice: { type: 'function', function: { name: DIGIT } } };
    const sent = await upstreamJson(translator('openai-chat', 'gemini', request));
    expect(sent.tools).toEqual([{ functionDeclarations: [DOTTED, 'get_weather', DIGIT_SENT].map((name) => ({ name, parameters: { type: 'object', properties: {} } })) }]);
    expect(sent.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [DIGIT_SENT] } });
    expect(sent.contents).toEqual([
      { role: 'user', parts: [{ text: 'Check' }] },
      // The call has no Gemini signature (another provider wrote it): Gemini 3 gets the dummy.
      { role: 'model', parts: [{ functionCall: { name: DIGIT_SENT, args: {} }, thoughtSignature: 'skip_thought_signature_validator' }] },
      { role: 'user', parts: [{ functionResponse: { name: DIGIT_SENT, response: { content: 'ok' } } }] },
    ]);

    const reply = { candidates: [{ content: { role: 'model', parts: [{ functionCall: { name: DIGIT_SENT, args: { code: 1 } } }] }, finishReason: 'STOP', index: 0 }], usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 2, totalTokenCount: 7 } };
    const completion = JSON.parse(answer(translator('openai-chat', 'gemini', request), [Buffer.from(JSON.stringify(reply))])) as { choices: Array<{ message: { tool_calls: Array<{ function: unknown }> } }> };
    expect(completion.choices[0].message.tool_calls.map((call) => call.function)).toEqual([{ name: DIGIT, arguments: '{"code":1}' }]);

    // Gemini's tool-call ids are random per translator: compare the names, and each split's names.
    const input = sse([reply]);
    for (let offset = 0; offset <= input.length; offset += 7) {
      const output = answer(translator('openai-chat', 'gemini', { ...request, stream: true }), [input.subarray(0, offset), input.subarray(offset)]);
      expect(chatStreamNames(output)).toEqual([DIGIT]);
    }
  });
});

const MESSAGES_REQUEST = {
  max_tokens: 100,
  tools: [DOTTED, LONG, 'get_weather'].map((name) => ({ name, input_schema: { type: 'object' } })),
  tool_choice: { type: 'tool', name: LONG },
  messages: [
    { role: 'user', content: 'Go' },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: LONG, input: {} }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'ok' }] },
  ],
};

describe('Anthropic Messages client', () => {
  const message = (name: string): object => ({ id: 'msg_1', type: 'message', role: 'assistant', model: 'claude', content: [{ type: 'text', text: 'Filing' }, { type: 'tool_use', id: 'toolu_2', name, input: {} }], stop_reason: 'tool_use', stop_sequence: null, usage: { input_tokens: 5, output_tokens: 2 } });
  const events = (name: string): Buffer => {
    const list = [
      { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 5, output_tokens: 0 } } },
      { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_2', name, input: {} } },
      { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{}' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 2 } },
      { type: 'message_stop' },
    ];
    return sse(list, list.map((event) => event.type));
  };

  test('Anthropic pass-through: the dotted name is rewritten, the 83-character one (valid up to 128) kept', async () => {
    const sent = await upstreamJson(translator('anthropic-messages', 'anthropic', MESSAGES_REQUEST));
    expect(sent).toEqual({ model: 'm', ...MESSAGES_REQUEST, tools: [DOTTED_SENT, LONG, 'get_weather'].map((name) => ({ name, input_schema: { type: 'object' } })) });
    expect(JSON.parse(answer(translator('anthropic-messages', 'anthropic', MESSAGES_REQUEST), [Buffer.from(JSON.stringify(message(DOTTED_SENT)))]))).toEqual(message(DOTTED));
    const output = streamed(() => translator('anthropic-messages', 'anthropic', { ...MESSAGES_REQUEST, stream: true }), events(DOTTED_SENT));
    expect(output).toBe(events(DOTTED).toString('utf8'));
  });

  test('Bedrock Converse: both names rewritten (64 at most there); answers map back', async () => {
    const sent = await upstreamJson(translator('anthropic-messages', 'bedrock', MESSAGES_REQUEST));
    const toolConfig = sent.toolConfig as { tools: Array<{ toolSpec: { name: string } }>; toolChoice: unknown };
    expect(toolConfig.tools.map((tool) => tool.toolSpec.name)).toEqual([DOTTED_SENT, LONG_SENT, 'get_weather']);
    expect(toolConfig.toolChoice).toEqual({ tool: { name: LONG_SENT } });
    expect((sent.messages as Array<{ content: unknown }>)[1].content).toEqual([{ toolUse: { toolUseId: 'toolu_1', name: LONG_SENT, input: {} } }]);

    const converse = { output: { message: { role: 'assistant', content: [{ toolUse: { toolUseId: 'tu_1', name: LONG_SENT, input: {} } }] } }, stopReason: 'tool_use', usage: { inputTokens: 5, outputTokens: 2, totalTokens: 7 } };
    const reply = JSON.parse(answer(translator('anthropic-messages', 'bedrock', MESSAGES_REQUEST), [Buffer.from(JSON.stringify(converse))])) as { content: unknown };
    expect(reply.content).toEqual([{ type: 'tool_use', id: 'tu_1', name: LONG, input: {} }]);
  });

  test('Bedrock InvokeModel (Claude): Anthropic rule, so the long name stays', async () => {
    const sent = await upstreamJson(translator('anthropic-messages', 'invoke', MESSAGES_REQUEST, 'anthropic.claude-3-5-sonnet-20241022-v2:0'));
    expect((sent.tools as Array<{ name: string }>).map((tool) => tool.name)).toEqual([DOTTED_SENT, LONG, 'get_weather']);
    const reply = answer(translator('anthropic-messages', 'invoke', MESSAGES_REQUEST, 'anthropic.claude-3-5-sonnet-20241022-v2:0'), [Buffer.from(JSON.stringify(message(DOTTED_SENT)))]);
    expect(JSON.parse(reply)).toEqual(message(DOTTED));
  });

  test('OpenAI: function names rewritten; the chat answer becomes a Messages answer with the client name', async () => {
    const sent = await upstreamJson(translator('anthropic-messages', 'openai', MESSAGES_REQUEST));
    expect((sent.tools as Array<{ function: { name: string } }>).map((tool) => tool.function.name)).toEqual([DOTTED_SENT, LONG_SENT, 'get_weather']);
    expect(sent.tool_choice).toEqual({ type: 'function', function: { name: LONG_SENT } });
    const completion = { id: 'c', object: 'chat.completion', created: 1, model: 'gpt', choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_9', type: 'function', function: { name: DOTTED_SENT, arguments: '{}' } }] }, finish_reason: 'tool_calls' }], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } };
    const reply = JSON.parse(answer(translator('anthropic-messages', 'openai', MESSAGES_REQUEST), [Buffer.from(JSON.stringify(completion))])) as { content: unknown };
    expect(reply.content).toEqual([{ type: 'tool_use', id: 'call_9', name: DOTTED, input: {} }]);
  });
});

describe('OpenAI Responses client', () => {
  const request = {
    input: [
      { role: 'user', content: 'Go' },
      { type: 'function_call', call_id: 'call_1', name: DOTTED, arguments: '{}' },
      { type: 'function_call_output', call_id: 'call_1', output: 'ok' },
    ],
    tools: [{ type: 'function', name: DOTTED, parameters: { type: 'object' } }],
    tool_choice: { type: 'function', name: DOTTED },
  };
  const item = (name: string, status: string): object => ({ type: 'function_call', id: 'fc_1', call_id: 'call_2', name, arguments: '{}', status });
  const response = (name: string): object => ({ id: 'resp_1', object: 'response', status: 'completed', output: [item(name, 'completed')], usage: { input_tokens: 5, output_tokens: 2, total_tokens: 7 } });

  test('OpenAI pass-through: input items, tools and tool_choice renamed; output and stream events mapped back', async () => {
    const sent = await upstreamJson(translator('openai-responses', 'openai', request));
    expect(sent).toEqual({
      model: 'm',
      input: [request.input[0], { ...request.input[1], name: DOTTED_SENT }, request.input[2]],
      tools: [{ type: 'function', name: DOTTED_SENT, parameters: { type: 'object' } }],
      tool_choice: { type: 'function', name: DOTTED_SENT },
    });
    expect(JSON.parse(answer(translator('openai-responses', 'openai', request), [Buffer.from(JSON.stringify(response(DOTTED_SENT)))]))).toEqual(response(DOTTED));
    const stream = (name: string): Buffer => {
      const list = [
        { type: 'response.output_item.added', output_index: 0, item: item(name, 'in_progress') },
        { type: 'response.function_call_arguments.delta', output_index: 0, item_id: 'fc_1', delta: '{}' },
        { type: 'response.function_call_arguments.done', output_index: 0, item_id: 'fc_1', name, arguments: '{}' },
        { type: 'response.output_item.done', output_index: 0, item: item(name, 'completed') },
        { type: 'response.completed', response: response(name) },
      ];
      return sse(list, list.map((event) => event.type));
    };
    const output = streamed(() => translator('openai-responses', 'openai', { ...request, stream: true }), stream(DOTTED_SENT));
    expect(output).toBe(stream(DOTTED).toString('utf8'));
  });
});
