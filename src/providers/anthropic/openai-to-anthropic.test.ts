import { GatewayError } from '../../errors';
import { createTranslator } from '../registry';
import { checkUsage } from '../usage';
import type { TokenUsage } from '../usage';
import { backend, chatRequest, FIXED_NOW, fixtureBytes, fixtureJson } from './__fixtures__/fixture-support';
import { OpenAIToAnthropic } from './openai-to-anthropic';

const CHAT = { model: 'claude-sonnet', messages: [{ role: 'user', content: 'hi' }] };

function translator(backendName = 'anthropic', body: object = CHAT): OpenAIToAnthropic {
  return new OpenAIToAnthropic(chatRequest(body), { backend: backend(backendName) }, FIXED_NOW);
}

describe('upstream request', () => {
  test('api.anthropic.com: /v1/messages with x-api-key and the default version', () => {
    const upstream = translator().requestBody();
    expect(upstream.path).toBe('/v1/messages');
    expect(upstream.headers).toEqual({ 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'sk-ant-test' });
    expect(upstream.body.toString('utf8')).toBe(
      '{"model":"claude-sonnet","max_tokens":4096,"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}',
    );
  });

  test('a configured header, prefix and version are used', () => {
    expect(translator('anthropic-2026').requestBody().headers).toEqual({
      'content-type': 'application/json',
      'anthropic-version': '2026-10-21',
      authorization: 'Bearer sk-ant-test',
    });
  });

  test('a baseUrl path is a prefix; no credential, no credential header', () => {
    const upstream = translator('proxy').requestBody();
    expect(upstream.path).toBe('/anthropic/v1/messages');
    expect(upstream.headers).toEqual({ 'content-type': 'application/json', 'anthropic-version': '2023-06-01' });
  });

  test('calling requestBody again gives the same warnings, not twice as many', () => {
    const translation = translator('anthropic', { ...CHAT, seed: 3 });
    translation.requestBody();
    translation.requestBody();
    expect(translation.warnings).toEqual(['dropped seed: not supported by anthropic']);
  });
});

describe('non-streaming response', () => {
  const cases: Array<[string, TokenUsage]> = [
    ['simple-chat', { inputTokens: 21, outputTokens: 4, cachedInputTokens: 0, cacheCreationInputTokens: 0, reasoningTokens: 0, totalTokens: 25 }],
    ['tool-use', { inputTokens: 380, outputTokens: 92, cachedInputTokens: 0, cacheCreationInputTokens: 0, reasoningTokens: 0, totalTokens: 472 }],
    ['thinking-cached', { inputTokens: 4512, outputTokens: 640, cachedInputTokens: 3000, cacheCreationInputTokens: 1500, reasoningTokens: 0, totalTokens: 5152 }],
  ];
  test.each(cases)('%s', (name, usage) => {
    const translation = translator();
    expect(translation.usage()).toBeUndefined();
    const output = translation.responseBody(fixtureBytes(`${name}.anthropic-response.json`), true);
    expect(JSON.parse(output.toString('utf8'))).toEqual(fixtureJson(`${name}.openai-response.json`));
    expect(translation.usage()).toEqual(usage);
    expect(checkUsage(usage)).toEqual([]);
  });

  test('a body in several chunks is held back until its end', () => {
    const translation = translator();
    const body = fixtureBytes('simple-chat.anthropic-response.json');
    expect(translation.responseBody(body.subarray(0, 40), false)).toEqual(Buffer.alloc(0));
    const output = translation.responseBody(body.subarray(40), true);
    expect(JSON.parse(output.toString('utf8'))).toEqual(fixtureJson('simple-chat.openai-response.json'));
  });

  test('no content blocks: content null', () => {
    const body = '{"id":"msg_e","type":"message","role":"assistant","model":"claude-x","content":[],"stop_reason":"end_turn","usage":{"input_tokens":3,"output_tokens":0}}';
    const output = JSON.parse(translator().responseBody(Buffer.from(body), true).toString('utf8')) as { choices: Array<{ message: unknown }> };
    expect(output.choices[0].message).toEqual({ role: 'assistant', content: null, refusal: null });
  });

  test('a 200 that is not a message becomes an OpenAI error body', () => {
    expect(JSON.parse(translator().responseBody(Buffer.from('<html>oops</html>'), true).toString('utf8'))).toEqual({
      error: { message: 'upstream returned a body that is not an Anthropic message', type: 'server_error', param: null, code: 'api_error' },
    });
    const overloaded = '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}';
    expect(JSON.parse(translator().responseBody(Buffer.from(overloaded), true).toString('utf8'))).toEqual({
      error: { message: 'Overloaded', type: 'server_error', param: null, code: 'overloaded_error' },
    });
  });

  test('responseError translates Anthropic errors', () => {
    const body = Buffer.from('{"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}');
    expect(JSON.parse(translator().responseError(429, body).toString('utf8'))).toEqual({
      error: { message: 'Number of request tokens has exceeded your per-minute rate limit', type: 'rate_limit_error', param: null, code: 'rate_limit_error' },
    });
  });
});

describe('registry', () => {
  test('an OpenAI chat client on an anthropic backend gets this translator', () => {
    expect(createTranslator(chatRequest(CHAT), { backend: backend('anthropic') })).toBeInstanceOf(OpenAIToAnthropic);
  });

  test('embeddings on an anthropic backend are refused: Anthropic has no embeddings API', () => {
    const request = { api: 'openai-embeddings' as const, model: 'e', stream: false, clientWantsStreamUsage: false, body: {}, rawBody: Buffer.from('{}') };
    let thrown: unknown;
    try {
      createTranslator(request, { backend: backend('anthropic') });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GatewayError);
    expect(thrown).toMatchObject({ status: 400, type: 'invalid_request_error', code: 'unsupported_backend' });
  });
});
