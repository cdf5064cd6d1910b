import { parseClientRequest } from '../../api/client-request';
import { GatewayError } from '../../errors';
import { createTranslator } from '../registry';
import { checkUsage } from '../usage';
import type { TokenUsage } from '../usage';
import { backend, bedrockTranslator, chatRequest, chatWith, CLAUDE, fixtureBytes, fixtureJson, translate } from './__fixtures__/fixture-support';
import { AnthropicToBedrock } from './anthropic-to-bedrock';
import { OpenAIToBedrock } from './openai-to-bedrock';

const CHAT = { model: 'claude-bedrock', messages: [{ role: 'user', content: 'hi' }] };

/** The GatewayError a request is refused with. */
async function refusal(body: object): Promise<GatewayError> {
  const caught: unknown = await translate(body).then(() => undefined, (error: unknown) => error);
  if (caught instanceof GatewayError) return caught;
  throw new Error(`the request was not refused: ${String(caught)}`);
}

describe('upstream request', () => {
  test.each(['simple-chat', 'tools-multi-turn', 'images', 'reasoning', 'cache-control'])('golden request: %s', async (name) => {
    expect((await translate(fixtureJson(`${name}.openai-request.json`) as object)).json).toEqual(fixtureJson(`${name}.bedrock-request.json`));
  });

  test('the model id is path-encoded; the client model is used without an upstream one', async () => {
    expect((await bedrockTranslator(CHAT).requestBody()).path).toBe('/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse');
    const own = new OpenAIToBedrock(chatRequest({ ...CHAT, model: 'meta.llama3/x' }), { backend: backend('bedrock') });
    expect((await own.requestBody()).path).toBe('/model/meta.llama3%2Fx/converse');
  });

  test('warnings: dropped options, raised max_tokens and sampling dropped for thinking', async () => {
    expect((await translate(fixtureJson('simple-chat.openai-request.json') as object)).warnings).toEqual(['dropped seed: not supported by bedrock', 'dropped user: not supported by bedrock']);
    expect((await translate(fixtureJson('reasoning.openai-request.json') as object)).warnings).toEqual([
      'raised max_tokens to 8192: it must exceed the thinking budget',
      'dropped temperature: not allowed with extended thinking (reasoning_effort)',
    ]);
    expect(await translate(chatWith({ stream_options: { include_usage: true }, parallel_tool_calls: false }))).toEqual({
      json: { messages: [{ role: 'user', content: [{ text: 'hi' }] }] },
      warnings: ['dropped parallel_tool_calls: not supported by bedrock'],
    });
  });

  test('reasoning_effort only reaches anthropic models (also through inference profiles)', async () => {
    expect(await translate(chatWith({ reasoning_effort: 'low' }), 'meta.llama3-70b-instruct-v1:0')).toEqual({
      json: { messages: [{ role: 'user', content: [{ text: 'hi' }] }] },
      warnings: ['dropped reasoning_effort: bedrock model meta.llama3-70b-instruct-v1:0 takes no thinking budget'],
    });
    expect((await translate(chatWith({ reasoning_effort: 'high' }), `us.${CLAUDE}`)).json).toMatchObject({
      inferenceConfig: { maxTokens: 20480 },
      additionalModelRequestFields: { thinking: { type: 'enabled', budget_tokens: 16384 } },
    });
    expect((await translate(chatWith({ reasoning_effort: 'none' }))).json).toEqual({ messages: [{ role: 'user', content: [{ text: 'hi' }] }] });
  });

  test('tool_choice: auto, required, a named tool; none leaves the tools out with a warning', async () => {
    const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }];
    const config = async (choice: unknown): Promise<unknown> => ((await translate(chatWith({ tools, tool_choice: choice }))).json as { toolConfig?: { toolChoice?: unknown } }).toolConfig?.toolChoice;
    expect(await config('auto')).toEqual({ auto: {} });
    expect(await config('required')).toEqual({ any: {} });
    expect(await config({ type: 'function', function: { name: 'f' } })).toEqual({ tool: { name: 'f' } });
    expect(await translate(chatWith({ tools, tool_choice: 'none' }))).toEqual({
      json: { messages: [{ role: 'user', content: [{ text: 'hi' }] }] },
      warnings: ['dropped tools: tool_choice none has no bedrock equivalent, so the tools were not sent'],
    });
  });

  test('the registry builds it for OpenAI chat on bedrock (Converse) backends; the Responses API is refused', () => {
    expect(createTranslator(chatRequest(CHAT), { backend: backend('bedrock') })).toBeInstanceOf(OpenAIToBedrock);
    const messages = parseClientRequest('anthropic-messages', Buffer.from(JSON.stringify({ ...CHAT, max_tokens: 5 })));
    expect(createTranslator(messages, { backend: backend('bedrock') })).toBeInstanceOf(AnthropicToBedrock);
    const responses = parseClientRequest('openai-responses', Buffer.from(JSON.stringify({ model: 'm', input: 'hi' })));
    expect(() => createTranslator(responses, { backend: backend('bedrock') })).toThrow(GatewayError);
  });

  test('refusals are 400 GatewayErrors', async () => {
    const image = (url: string): object => chatWith({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url } }] }] });
    expect(await refusal(image('https://example.com/a.png'))).toMatchObject({ status: 400, param: 'messages[0].content[0].image_url' });
    expect((await refusal(image('data:image/tiff;base64,AAAA'))).message).toMatch(/not image\/tiff/);
    expect(await refusal(chatWith({ response_format: { type: 'json_object' } }))).toMatchObject({ status: 400, param: 'response_format' });
    expect(await refusal(chatWith({ n: 2 }))).toMatchObject({ status: 400, param: 'n' });
    expect(await refusal({ model: 'm', messages: [{ role: 'system', content: 'only a system prompt' }] })).toMatchObject({ status: 400, param: 'messages' });
    expect(await refusal(chatWith({ messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '[1]' } }] }] }))).toMatchObject({
      param: 'messages[0].tool_calls[0].function.arguments',
    });
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

describe('non-streaming response', () => {
  const cases: Array<[string, TokenUsage]> = [
    ['simple-chat', usage(31, 0, 0, 5)],
    ['tool-use', usage(412, 0, 0, 96)],
    // 12 uncached + 3000 read from the cache + 1000 written to it.
    ['thinking-cached', usage(4012, 3000, 1000, 700)],
    ['guardrail', usage(9, 0, 0, 0)],
  ];
  test.each(cases)('%s', (name, expected) => {
    const translation = bedrockTranslator(CHAT);
    expect(translation.usage()).toBeUndefined();
    const output = translation.responseBody(fixtureBytes(`${name}.bedrock-response.json`), true);
    expect(JSON.parse(output.toString('utf8'))).toEqual(fixtureJson(`${name}.openai-response.json`));
    expect(translation.usage()).toEqual(expected);
    expect(checkUsage(expected)).toEqual([]);
  });

  test('a body in several chunks is held back until its end', () => {
    const translation = bedrockTranslator(CHAT);
    const body = fixtureBytes('simple-chat.bedrock-response.json');
    expect(translation.responseBody(body.subarray(0, 40), false)).toEqual(Buffer.alloc(0));
    expect(JSON.parse(translation.responseBody(body.subarray(40), true).toString('utf8'))).toEqual(fixtureJson('simple-chat.openai-response.json'));
  });

  test('completion ids are random per translator by default', async () => {
    const id = (translation: OpenAIToBedrock): string => (JSON.parse(translation.responseBody(fixtureBytes('simple-chat.bedrock-response.json'), true).toString('utf8')) as { id: string }).id;
    const [first, second] = [new OpenAIToBedrock(chatRequest(CHAT), { backend: backend('bedrock') }), new OpenAIToBedrock(chatRequest(CHAT), { backend: backend('bedrock') })].map(id);
    expect(first).toMatch(/^chatcmpl-[0-9a-f]{24}$/);
    expect(first).not.toBe(second);
  });

  test('a 200 that is not a response becomes an OpenAI error body', () => {
    expect(JSON.parse(bedrockTranslator(CHAT).responseBody(Buffer.from('<html>oops</html>'), true).toString('utf8'))).toEqual({
      error: { message: 'upstream returned a body that is not a Bedrock Converse response', type: 'server_error', param: null, code: null },
    });
  });
});

describe('error responses', () => {
  const cases: Array<[number, string]> = [
    [400, 'invalid_request_error'],
    [403, 'permission_error'],
    [404, 'not_found_error'],
    [429, 'rate_limit_error'],
    [500, 'server_error'],
    [503, 'server_error'],
  ];
  test.each(cases)('%i → %s', (status, type) => {
    const body = Buffer.from(JSON.stringify({ message: `m${status}` }));
    expect(JSON.parse(bedrockTranslator(CHAT).responseError(status, body).toString('utf8'))).toEqual({ error: { message: `m${status}`, type, param: null, code: null } });
  });

  test('a body that is not Bedrock-shaped is wrapped the generic way', () => {
    expect(JSON.parse(bedrockTranslator(CHAT).responseError(502, Buffer.from('upstream connect error')).toString('utf8'))).toEqual({
      error: { message: 'upstream connect error', type: 'server_error', param: null, code: 'upstream_error' },
    });
  });
});
