import { GatewayError } from '../../errors';
import { createTranslator } from '../registry';
import { checkUsage } from '../usage';
import type { TokenUsage } from '../usage';
import { backend, chatRequest, chatWith, fixtureBytes, fixtureJson, geminiTranslator, translate, USER } from './__fixtures__/fixture-support';
import { OpenAIToGemini } from './openai-to-gemini';

const CHAT = { model: 'gemini-flash', messages: [USER] };

describe('upstream request', () => {
  test('generativelanguage.googleapis.com: generateContent with x-goog-api-key', () => {
    const upstream = geminiTranslator(CHAT).requestBody();
    expect(upstream.path).toBe('/v1beta/models/gemini-flash:generateContent');
    expect(upstream.headers).toEqual({ 'content-type': 'application/json', 'x-goog-api-key': 'AIza-test' });
    expect(upstream.body.toString('utf8')).toBe('{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}');
  });

  test('streaming uses streamGenerateContent with alt=sse; the upstream model is path-encoded; a baseUrl path is a prefix', () => {
    const upstream = geminiTranslator({ ...CHAT, stream: true }, 'proxy', 'tuned/model 1').requestBody();
    expect(upstream.path).toBe('/google/v1beta/models/tuned%2Fmodel%201:streamGenerateContent?alt=sse');
    expect(upstream.headers).toEqual({ 'content-type': 'application/json' });
    expect(JSON.parse(upstream.body.toString('utf8'))).toEqual({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
  });

  test.each(['simple-chat', 'tools-multi-turn', 'images', 'structured-reasoning'])('golden request: %s', (name) => {
    expect(translate(fixtureJson(`${name}.openai-request.json`) as object).json).toEqual(fixtureJson(`${name}.gemini-request.json`));
  });

  test('unsupported options are dropped, one warning each; false and null ones silently', () => {
    const { warnings } = translate(fixtureJson('structured-reasoning.openai-request.json') as object);
    expect(warnings).toEqual(['dropped logprobs: not supported by gemini', 'dropped logit_bias: not supported by gemini', 'dropped user: not supported by gemini']);
    expect(translate(chatWith({ parallel_tool_calls: false, metadata: { a: 'b' }, service_tier: null })).warnings).toEqual([
      'dropped parallel_tool_calls: not supported by gemini',
      'dropped metadata: not supported by gemini',
    ]);
  });

  test('tool_choice auto, none and required', () => {
    const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }];
    const mode = (choice: unknown): unknown => (translate(chatWith({ tools, tool_choice: choice })).json as { toolConfig?: unknown }).toolConfig;
    expect(mode('auto')).toEqual({ functionCallingConfig: { mode: 'AUTO' } });
    expect(mode('none')).toEqual({ functionCallingConfig: { mode: 'NONE' } });
    expect(mode('required')).toEqual({ functionCallingConfig: { mode: 'ANY' } });
  });

  test('json_object and reasoning efforts', () => {
    const config = (extra: object): unknown => (translate(chatWith(extra)).json as { generationConfig?: unknown }).generationConfig;
    expect(config({ response_format: { type: 'json_object' } })).toEqual({ responseMimeType: 'application/json' });
    expect(config({ response_format: { type: 'text' } })).toBeUndefined();
    expect(config({ reasoning_effort: 'low' })).toEqual({ thinkingConfig: { thinkingBudget: 1024, includeThoughts: true } });
    expect(config({ reasoning_effort: 'high' })).toEqual({ thinkingConfig: { thinkingBudget: 24576, includeThoughts: true } });
    expect(translate(chatWith({ reasoning_effort: 'minimal' }))).toEqual({
      json: { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] },
      warnings: ['dropped reasoning_effort minimal: gemini models choose their own thinking budget'],
    });
  });

  test('calling requestBody again gives the same warnings, not twice as many', () => {
    const translation = geminiTranslator(chatWith({ logprobs: true }));
    translation.requestBody();
    translation.requestBody();
    expect(translation.warnings).toEqual(['dropped logprobs: not supported by gemini']);
  });

  test('the registry builds it for gemini backends', () => {
    expect(createTranslator(chatRequest(CHAT), { backend: backend('gemini') })).toBeInstanceOf(OpenAIToGemini);
  });
});

const usage = (input: number, cached: number, output: number, reasoning: number): TokenUsage => ({
  inputTokens: input,
  outputTokens: output,
  cachedInputTokens: cached,
  cacheCreationInputTokens: 0,
  reasoningTokens: reasoning,
  totalTokens: input + output,
});

describe('non-streaming response', () => {
  const cases: Array<[string, TokenUsage]> = [
    ['simple-chat', usage(21, 0, 9, 0)],
    ['tool-use', usage(380, 0, 92, 52)],
    ['thinking-cached', usage(4512, 3000, 640, 600)],
    ['blocked-prompt', usage(8, 0, 0, 0)],
    ['safety-stop', usage(12, 0, 3, 0)],
  ];
  test.each(cases)('%s', (name, expected) => {
    const translation = geminiTranslator(CHAT);
    expect(translation.usage()).toBeUndefined();
    const output = translation.responseBody(fixtureBytes(`${name}.gemini-response.json`), true);
    expect(JSON.parse(output.toString('utf8'))).toEqual(fixtureJson(`${name}.openai-response.json`));
    expect(translation.usage()).toEqual(expected);
    expect(checkUsage(expected)).toEqual([]);
  });

  test('a body in several chunks is held back until its end', () => {
    const translation = geminiTranslator(CHAT);
    const body = fixtureBytes('simple-chat.gemini-response.json');
    expect(translation.responseBody(body.subarray(0, 40), false)).toEqual(Buffer.alloc(0));
    expect(JSON.parse(translation.responseBody(body.subarray(40), true).toString('utf8'))).toEqual(fixtureJson('simple-chat.openai-response.json'));
  });

  test('tool-call ids are unique within a response and across translators', () => {
    const ids = (translation: OpenAIToGemini): string[] => {
      const output = JSON.parse(translation.responseBody(fixtureBytes('tool-use.gemini-response.json'), true).toString('utf8')) as {
        choices: Array<{ message: { tool_calls: Array<{ id: string }> } }>;
      };
      return output.choices[0].message.tool_calls.map((call) => call.id);
    };
    const all = [...ids(new OpenAIToGemini(chatRequest(CHAT), { backend: backend('gemini') })), ...ids(new OpenAIToGemini(chatRequest(CHAT), { backend: backend('gemini') }))];
    expect(new Set(all).size).toBe(6);
    // The first call of each response carries the fixture's thought signature (base64url).
    for (const id of all) expect(id).toMatch(/^call_[0-9a-f]{12}_[0-9]+(__ts_gemini_CiIB-Khc7oTz_fN0Q2V4YW1wbGUgc2lnbmF0dXJlAA)?$/);
    expect(all.filter((id) => id.includes('__ts_'))).toHaveLength(2);
  });

  test('no usageMetadata: no usage; no modelVersion: the requested model', () => {
    const translation = geminiTranslator(CHAT);
    const output = JSON.parse(translation.responseBody(Buffer.from('{"candidates":[{"content":{"parts":[{"text":"ok"}]}}]}'), true).toString('utf8')) as Record<string, unknown>;
    expect(output).toMatchObject({ id: 'chatcmpl-fixed', model: 'gemini-flash', choices: [{ index: 0, finish_reason: 'stop', message: { content: 'ok' } }] });
    expect(output.usage).toBeUndefined();
    expect(translation.usage()).toBeUndefined();
  });

  test('a 200 that is not a response becomes an OpenAI error body', () => {
    expect(JSON.parse(geminiTranslator(CHAT).responseBody(Buffer.from('<html>oops</html>'), true).toString('utf8'))).toEqual({
      error: { message: 'upstream returned a body that is not a Gemini response', type: 'server_error', param: null, code: 'INTERNAL' },
    });
  });
});

describe('error responses', () => {
  const gemini = (code: number, status: string): Buffer => Buffer.from(JSON.stringify({ error: { code, message: `m${code}`, status } }));
  const cases: Array<[number, string, string]> = [
    [400, 'INVALID_ARGUMENT', 'invalid_request_error'],
    [401, 'UNAUTHENTICATED', 'authentication_error'],
    [403, 'PERMISSION_DENIED', 'permission_error'],
    [404, 'NOT_FOUND', 'not_found_error'],
    [429, 'RESOURCE_EXHAUSTED', 'rate_limit_error'],
    [500, 'INTERNAL', 'server_error'],
    [503, 'UNAVAILABLE', 'server_error'],
  ];
  test.each(cases)('%i %s → %s', (status, geminiStatus, type) => {
    expect(JSON.parse(geminiTranslator(CHAT).responseError(status, gemini(status, geminiStatus)).toString('utf8'))).toEqual({
      error: { message: `m${status}`, type, param: null, code: geminiStatus },
    });
  });

  test('a body that is not Gemini-shaped is wrapped the generic way', () => {
    expect(JSON.parse(geminiTranslator(CHAT).responseError(502, Buffer.from('upstream connect error')).toString('utf8'))).toEqual({
      error: { message: 'upstream connect error', type: 'server_error', param: null, code: 'upstream_error' },
    });
  });

  test('refusals are 400 GatewayErrors', () => {
    const https = { model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] }] };
    expect(() => geminiTranslator(https).requestBody()).toThrow(GatewayError);
  });
});
