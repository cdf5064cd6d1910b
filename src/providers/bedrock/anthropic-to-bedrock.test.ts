import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { parseClientRequest } from '../../api/client-request';
import { GatewayError } from '../../errors';
import { createTranslator } from '../registry';
import { SseDecoder } from '../sse';
import { checkUsage } from '../usage';
import type { TokenUsage } from '../usage';
import { backend, CLAUDE, FIXED_NOW, fixtureBytes, fixtureJson, messagesRequest, messagesTranslator, translateMessages } from './__fixtures__/fixture-support';
import { AnthropicToBedrock } from './anthropic-to-bedrock';
import { expectedSignature, parseAuthorization } from './__fixtures__/sigv4-verifier';

/** Rewrites the `.anthropic-response.json` goldens instead of comparing (then review the diff). */
const UPDATE = process.env.UPDATE_GOLDENS === '1';
const MESSAGES = { model: 'claude-bedrock', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] };
const HI = [{ role: 'user', content: [{ text: 'hi' }] }];

/** The GatewayError a request is refused with. */
async function refusal(body: object, model: string = CLAUDE): Promise<GatewayError> {
  const caught: unknown = await translateMessages(body, model).then(() => undefined, (error: unknown) => error);
  if (caught instanceof GatewayError) return caught;
  throw new Error(`the request was not refused: ${String(caught)}`);
}

describe('Anthropic Messages → Converse request', () => {
  test.each(['messages-cache', 'messages-multi-turn'])('golden request: %s', async (name) => {
    expect((await translateMessages(fixtureJson(`${name}.anthropic-request.json`) as object)).json).toEqual(fixtureJson(`${name}.bedrock-request.json`));
  });

  test('warnings: each dropped option once', async () => {
    expect((await translateMessages(fixtureJson('messages-cache.anthropic-request.json') as object)).warnings).toEqual([]);
    expect((await translateMessages(fixtureJson('messages-multi-turn.anthropic-request.json') as object)).warnings).toEqual([
      'dropped thinking blocks without a signature: Claude rejects them (they came from another provider)',
      'dropped metadata: not supported by bedrock converse',
    ]);
    const options = { ...MESSAGES, service_tier: 'auto', output_config: { effort: 'high' }, tool_choice: { type: 'auto', disable_parallel_tool_use: true } };
    expect(await translateMessages(options)).toEqual({
      json: { messages: HI, inferenceConfig: { maxTokens: 100 } },
      warnings: [
        'dropped tool_choice.disable_parallel_tool_use: not supported by bedrock converse',
        'dropped output_config.effort: not supported by bedrock converse',
        'dropped service_tier: not supported by bedrock converse',
      ],
    });
  });

  test('signed POST to the encoded converse path; converse-stream with the eventstream accept header', async () => {
    const upstream = await messagesTranslator(MESSAGES).requestBody();
    expect(upstream.path).toBe('/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse');
    expect(upstream.headers['content-type']).toBe('application/json');
    const received = { method: 'POST', path: upstream.path, headers: { ...upstream.headers, host: 'bedrock-runtime.us-east-1.amazonaws.com' }, body: upstream.body.toString() };
    expect(parseAuthorization(upstream.headers.authorization)).toMatchObject({ accessKeyId: 'AKIDEXAMPLE', region: 'us-east-1', service: 'bedrock' });
    expect(parseAuthorization(upstream.headers.authorization)?.signature).toBe(expectedSignature(received, 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'));
    const streamed = await messagesTranslator({ ...MESSAGES, stream: true }, 'meta.llama3/x', 'proxy').requestBody();
    expect(streamed.path).toBe('/aws/model/meta.llama3%2Fx/converse-stream');
    expect(streamed.headers.accept).toBe('application/vnd.amazon.eventstream');
    expect(JSON.parse(streamed.body.toString())).toEqual({ messages: HI, inferenceConfig: { maxTokens: 100 } });
  });

  test('a top-level cache_control puts a cache point after the last block; a ttl is dropped with a warning', async () => {
    const body = { ...MESSAGES, cache_control: { type: 'ephemeral' }, system: [{ type: 'text', text: 'S', cache_control: { type: 'ephemeral', ttl: '1h' } }] };
    expect(await translateMessages(body)).toEqual({
      json: { messages: [{ role: 'user', content: [{ text: 'hi' }, { cachePoint: { type: 'default' } }] }], system: [{ text: 'S' }, { cachePoint: { type: 'default' } }], inferenceConfig: { maxTokens: 100 } },
      warnings: ['dropped cache_control ttl: bedrock cache points have no ttl'],
    });
  });

  test('Claude-only options are dropped for other models, with a warning each', async () => {
    const body = { ...MESSAGES, top_k: 5, thinking: { type: 'enabled', budget_tokens: 2000 }, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', is_error: true, content: 'x' }] }] };
    expect(await translateMessages(body, 'amazon.nova-pro-v1:0')).toEqual({
      json: { messages: [{ role: 'user', content: [{ toolResult: { toolUseId: 't', content: [{ text: 'x' }] } }] }], inferenceConfig: { maxTokens: 100 } },
      warnings: [
        'dropped tool_result is_error: only Anthropic models on bedrock read a tool result status',
        'dropped thinking: bedrock model amazon.nova-pro-v1:0 takes no thinking budget',
        'dropped top_k: not supported by bedrock model amazon.nova-pro-v1:0',
      ],
    });
  });

  test('tool_choice: any, a named tool; none leaves the tools out with a warning', async () => {
    const tools = [{ name: 'f', input_schema: { type: 'object' } }];
    const choice = async (toolChoice: object): Promise<unknown> => ((await translateMessages({ ...MESSAGES, tools, tool_choice: toolChoice })).json as { toolConfig?: { toolChoice?: unknown } }).toolConfig?.toolChoice;
    expect(await choice({ type: 'any' })).toEqual({ any: {} });
    expect(await choice({ type: 'tool', name: 'f' })).toEqual({ tool: { name: 'f' } });
    expect(await translateMessages({ ...MESSAGES, tools, tool_choice: { type: 'none' } })).toEqual({
      json: { messages: HI, inferenceConfig: { maxTokens: 100 } },
      warnings: ['dropped tools: tool_choice none has no bedrock equivalent, so the tools were not sent'],
    });
  });

  test('refusals are 400 GatewayErrors naming the parameter', async () => {
    const user = (content: unknown[]): object => ({ ...MESSAGES, messages: [{ role: 'user', content }] });
    expect(await refusal(user([{ type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } }]))).toMatchObject({ status: 400, param: 'messages[0].content[0].source' });
    expect(await refusal(user([{ type: 'image', source: { type: 'base64', media_type: 'image/tiff', data: 'AA' } }]))).toMatchObject({ param: 'messages[0].content[0].source.media_type' });
    expect(await refusal(user([{ type: 'search_result', source: 's', title: 't', content: [] }]))).toMatchObject({ param: 'messages[0].content[0]' });
    expect(await refusal({ ...MESSAGES, tools: [{ type: 'web_search_20250305', name: 'web_search' }] })).toMatchObject({ param: 'tools[0].type' });
    expect(await refusal({ ...MESSAGES, output_config: { format: { type: 'json_object' } } })).toMatchObject({ param: 'output_config.format' });
    expect(await refusal({ ...MESSAGES, messages: [{ role: 'assistant', content: [{ type: 'thinking', thinking: 'x', signature: '' }] }] })).toMatchObject({ param: 'messages' });
  });

  test('the registry builds it for converse bedrock backends; the Responses API is still refused', () => {
    expect(createTranslator(messagesRequest(MESSAGES), { backend: backend('bedrock') })).toBeInstanceOf(AnthropicToBedrock);
    const responses = parseClientRequest('openai-responses', Buffer.from(JSON.stringify({ model: 'm', input: 'hi' })));
    expect(() => createTranslator(responses, { backend: backend('bedrock') })).toThrow(GatewayError);
  });
});

const usage = (input: number, cached: number, created: number, output: number): TokenUsage => ({
  inputTokens: input,
  outputTokens: output,
  cachedInputTokens: cached,
  cacheCreationInputTokens: created,
  reasoningTokens: 0,
  totalTokens: input + output,
});

/** A client whose every request is answered with `body`: the Anthropic SDK's own parser reads what the translator wrote. */
function clientAnswering(body: Buffer, contentType: string): Anthropic {
  return new Anthropic({ apiKey: 'x', maxRetries: 0, fetch: async () => new Response(new Uint8Array(body), { headers: { 'content-type': contentType } }) });
}

describe('Converse response → Anthropic message', () => {
  const cases: Array<[string, TokenUsage]> = [
    ['simple-chat', usage(31, 0, 0, 5)],
    ['tool-use', usage(412, 0, 0, 96)],
    // 12 uncached + 3000 read from the cache + 1000 written to it.
    ['thinking-cached', usage(4012, 3000, 1000, 700)],
    ['guardrail', usage(9, 0, 0, 0)],
  ];
  test.each(cases)('%s', async (name, expected) => {
    const translator = messagesTranslator(MESSAGES);
    expect(translator.usage()).toBeUndefined();
    const output = translator.responseBody(fixtureBytes(`${name}.bedrock-response.json`), true);
    if (UPDATE) writeFileSync(join(__dirname, '__fixtures__', `${name}.anthropic-response.json`), `${JSON.stringify(JSON.parse(output.toString()), null, 2)}\n`);
    expect(JSON.parse(output.toString('utf8'))).toEqual(fixtureJson(`${name}.anthropic-response.json`));
    expect(translator.usage()).toEqual(expected);
    expect(checkUsage(expected)).toEqual([]);
    const message = await clientAnswering(output, 'application/json').messages.create({ model: 'claude-bedrock', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
    expect(message.usage.input_tokens + (message.usage.cache_read_input_tokens ?? 0) + (message.usage.cache_creation_input_tokens ?? 0)).toBe(expected.inputTokens);
  });

  test('a body in several chunks is held back until its end', () => {
    const translator = messagesTranslator(MESSAGES);
    const body = fixtureBytes('simple-chat.bedrock-response.json');
    expect(translator.responseBody(body.subarray(0, 40), false)).toEqual(Buffer.alloc(0));
    expect(JSON.parse(translator.responseBody(body.subarray(40), true).toString('utf8'))).toEqual(fixtureJson('simple-chat.anthropic-response.json'));
  });

  test('message ids are random per translator by default', () => {
    const id = (): string =>
      (JSON.parse(new AnthropicToBedrock(messagesRequest(MESSAGES), { backend: backend('bedrock') }).responseBody(fixtureBytes('simple-chat.bedrock-response.json'), true).toString()) as { id: string }).id;
    const [first, second] = [id(), id()];
    expect(first).toMatch(/^msg_bdrk_[0-9a-f]{24}$/);
    expect(first).not.toBe(second);
  });

  test('a 200 that is not a Converse response becomes an Anthropic error body', () => {
    expect(JSON.parse(messagesTranslator(MESSAGES).responseBody(Buffer.from('<html>oops</html>'), true).toString())).toEqual({
      type: 'error',
      error: { type: 'api_error', message: 'upstream returned a body that is not a Bedrock Converse response' },
    });
  });
});

describe('error responses in Anthropic shape', () => {
  const cases: Array<[number, string]> = [
    [400, 'invalid_request_error'],
    [403, 'permission_error'],
    [404, 'not_found_error'],
    [429, 'rate_limit_error'],
    [500, 'api_error'],
    [503, 'overloaded_error'],
  ];
  test.each(cases)('%i → %s', (status, type) => {
    const body = Buffer.from(JSON.stringify({ message: `m${status}` }));
    expect(JSON.parse(messagesTranslator(MESSAGES).responseError(status, body)?.toString() ?? '')).toEqual({ type: 'error', error: { type, message: `m${status}` } });
  });

  test('a body that is not Bedrock-shaped is wrapped; an Anthropic-shaped one passes', () => {
    expect(JSON.parse(messagesTranslator(MESSAGES).responseError(502, Buffer.from('upstream connect error'))?.toString() ?? '')).toEqual({
      type: 'error',
      error: { type: 'api_error', message: 'upstream connect error' },
    });
    expect(messagesTranslator(MESSAGES).responseError(529, Buffer.from(JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'o' } })))).toBeUndefined();
  });
});

const USER_HI = [{ role: 'user', content: 'hi' }];
const composedRequest = (body: object) => parseClientRequest('anthropic-messages', Buffer.from(JSON.stringify({ model: 'claude-bedrock', max_tokens: 100, messages: USER_HI, ...body })));
const make = (body: object = {}) => new AnthropicToBedrock(composedRequest(body), { backend: backend('bedrock'), upstreamModel: CLAUDE }, { now: FIXED_NOW, id: 'fixed' });

/** The cases main's first (composed) AnthropicToBedrock was tested with; the direct translator passes them too. */
describe('Anthropic Messages → Bedrock Converse (cases from the composed translator)', () => {
  test('the Messages request becomes a Converse request: system, tool results, tools with cache points', async () => {
    const translator = make({
      system: [{ type: 'text', text: 'Policy text.', cache_control: { type: 'ephemeral' } }],
      tools: [{ name: 'lookup', description: 'Look up', input_schema: { type: 'object', properties: {} }, cache_control: { type: 'ephemeral' } }],
      messages: [
        { role: 'user', content: 'Where is order 7?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { id: '7' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'shipped' }] },
      ],
    });
    const upstream = await translator.requestBody();
    expect(upstream.path).toBe('/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse');
    expect(JSON.parse(upstream.body.toString())).toEqual({
      messages: [
        { role: 'user', content: [{ text: 'Where is order 7?' }] },
        { role: 'assistant', content: [{ toolUse: { toolUseId: 'toolu_1', name: 'lookup', input: { id: '7' } } }] },
        { role: 'user', content: [{ toolResult: { toolUseId: 'toolu_1', content: [{ text: 'shipped' }] } }] },
      ],
      system: [{ text: 'Policy text.' }, { cachePoint: { type: 'default' } }],
      inferenceConfig: { maxTokens: 100 },
      toolConfig: { tools: [{ toolSpec: { name: 'lookup', description: 'Look up', inputSchema: { json: { type: 'object', properties: {} } } } }, { cachePoint: { type: 'default' } }] },
    });
    expect(translator.warnings).toEqual([]);
  });

  test('a Converse answer with tool calls becomes an Anthropic message with tool_use blocks and usage', async () => {
    const translator = make();
    await translator.requestBody();
    const message = JSON.parse(translator.responseBody(Buffer.from(JSON.stringify(fixtureJson('tool-use.bedrock-response.json'))), true)?.toString() ?? '') as {
      type: string;
      content: Array<{ type: string; name?: string; input?: unknown }>;
      stop_reason: string;
      usage: { input_tokens: number; output_tokens: number };
    };
    expect(message.type).toBe('message');
    expect(message.content.filter((block) => block.type === 'tool_use').map((block) => [block.name, block.input])).toEqual([
      ['get_weather', { city: 'Paris' }],
      ['get_weather', { city: 'Rome' }],
    ]);
    expect(message.stop_reason).toBe('tool_use');
    expect(message.usage).toMatchObject({ input_tokens: 412, output_tokens: 96 });
  });

  test('a ConverseStream with tool calls becomes Anthropic events, identical when split at every byte offset', async () => {
    const input = fixtureBytes('stream-tools.eventstream');
    const run = async (pieces: Buffer[]): Promise<{ output: string; usage: unknown }> => {
      const translator = make({ stream: true });
      await translator.requestBody();
      const output = Buffer.concat(pieces.map((piece, index) => translator.responseBody(piece, index === pieces.length - 1) ?? Buffer.alloc(0))).toString();
      return { output, usage: translator.usage() };
    };
    const whole = await run([input]);
    const types = new SseDecoder().push(Buffer.from(whole.output)).map((event) => event.event);
    expect(types[0]).toBe('message_start');
    expect(types).toContain('content_block_start');
    expect(types.slice(-2)).toEqual(['message_delta', 'message_stop']);
    expect(whole.output).toContain('"type":"input_json_delta"');
    expect(whole.usage).toMatchObject({ inputTokens: 420, outputTokens: 88 });
    for (let offset = 0; offset <= input.length; offset += 3) {
      const split = await run([input.subarray(0, offset), input.subarray(offset)]);
      if (split.output !== whole.output) throw new Error(`output differs when split at byte ${offset}`);
    }
  });
});
