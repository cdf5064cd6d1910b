import { emptyCounts, readAnthropicUsage, toTokenUsage } from '../anthropic/convert-anthropic-usage';
import { createTranslator } from '../registry';
import { checkUsage } from '../usage';
import type { TokenUsage } from '../usage';
import { backend, fixtureBytes, fixtureJson, messagesRequest, messagesWith, translatorFor } from './__fixtures__/anthropic-to-openai/fixture-support';
import { AnthropicToOpenAI } from './anthropic-to-openai';

/** Translates a whole upstream body; returns the client JSON and the usage. */
function respond(body: string | Buffer): { json: Record<string, unknown>; usage: TokenUsage | undefined } {
  const translator = translatorFor(messagesWith({}));
  const output = translator.responseBody(Buffer.isBuffer(body) ? body : Buffer.from(body), true);
  return { json: JSON.parse(output.toString('utf8')) as Record<string, unknown>, usage: translator.usage() };
}

/** A chat.completion with one choice. */
function completion(message: object, finishReason: string, usage?: object): string {
  return JSON.stringify({ id: 'chatcmpl-x1', object: 'chat.completion', created: 1, model: 'gpt-4.1', choices: [{ index: 0, message, finish_reason: finishReason }], usage });
}

const usageOf = (input: number, cached: number, output: number, reasoning: number): TokenUsage => ({
  inputTokens: input,
  outputTokens: output,
  cachedInputTokens: cached,
  cacheCreationInputTokens: 0,
  reasoningTokens: reasoning,
  totalTokens: input + output,
});

describe('non-streaming response goldens', () => {
  const cases: Array<[string, TokenUsage]> = [
    ['text-tools-reasoning', usageOf(412, 0, 96, 41)],
    ['cached-usage', usageOf(2061, 1920, 16, 0)],
  ];
  test.each(cases)('%s', (name, usage) => {
    const result = respond(fixtureBytes(`${name}.openai-response.json`));
    expect(result.json).toEqual(fixtureJson(`${name}.anthropic-response.json`));
    expect(result.usage).toEqual(usage);
    expect(checkUsage(usage)).toEqual([]);
  });

  test('Anthropic input_tokens exclude cache reads: read back the Anthropic way, the counts add up again', () => {
    const { json, usage } = respond(fixtureBytes('cached-usage.openai-response.json'));
    expect(json.usage).toMatchObject({ input_tokens: 141, cache_read_input_tokens: 1920 });
    const counts = emptyCounts();
    readAnthropicUsage(json.usage, counts);
    expect(toTokenUsage(counts)).toEqual({ ...usage, reasoningTokens: 0 });
  });

  test('a body in several chunks is held back until its end', () => {
    const translator = translatorFor(messagesWith({}));
    const body = fixtureBytes('cached-usage.openai-response.json');
    expect(translator.responseBody(body.subarray(0, 50), false)).toEqual(Buffer.alloc(0));
    expect(translator.usage()).toBeUndefined();
    const output = translator.responseBody(body.subarray(50), true);
    expect(JSON.parse(output.toString('utf8'))).toEqual(fixtureJson('cached-usage.anthropic-response.json'));
  });
});

describe('stop reasons and content', () => {
  test.each([
    ['stop', 'end_turn'],
    ['length', 'max_tokens'],
    ['tool_calls', 'tool_use'],
    ['content_filter', 'refusal'],
    ['something_new', 'end_turn'],
  ])('finish_reason %s → stop_reason %s', (finishReason, stopReason) => {
    expect(respond(completion({ role: 'assistant', content: 'x' }, finishReason)).json).toMatchObject({ stop_reason: stopReason, stop_sequence: null });
  });

  test('tool calls ended with "stop" (some compatible servers) are still tool_use; unparseable arguments read as {}', () => {
    const call = { id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a": ' } };
    const { json } = respond(completion({ role: 'assistant', content: null, tool_calls: [call] }, 'stop'));
    expect(json).toMatchObject({ content: [{ type: 'tool_use', id: 'call_1', name: 'f', input: {} }], stop_reason: 'tool_use' });
  });

  test("OpenAI's refusal is text with stop_reason refusal", () => {
    const { json } = respond(completion({ role: 'assistant', content: null, refusal: "I'm sorry, I can't help with that." }, 'stop'));
    expect(json).toMatchObject({ content: [{ type: 'text', text: "I'm sorry, I can't help with that." }], stop_reason: 'refusal' });
  });

  test('no usage: zeros in the body, and usage() undefined', () => {
    const { json, usage } = respond(completion({ role: 'assistant', content: '' }, 'stop'));
    expect(json).toMatchObject({ id: 'msg_x1', content: [], usage: { input_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 } });
    expect(usage).toBeUndefined();
  });

  test('a 200 that is not a completion becomes an Anthropic error body', () => {
    expect(respond('<html>oops</html>').json).toEqual({
      type: 'error',
      error: { type: 'api_error', message: 'upstream returned a body that is not an OpenAI chat completion' },
    });
    expect(respond('{"error":{"message":"Rate limit reached","type":"rate_limit_error","param":null,"code":null}}').json).toEqual({
      type: 'error',
      error: { type: 'rate_limit_error', message: 'Rate limit reached' },
    });
  });
});

describe('responseError', () => {
  const error = (status: number, body: string): unknown => JSON.parse(translatorFor(messagesWith({})).responseError(status, Buffer.from(body)).toString('utf8'));

  test.each([
    [400, 'invalid_request_error'],
    [401, 'authentication_error'],
    [403, 'permission_error'],
    [404, 'not_found_error'],
    [429, 'rate_limit_error'],
    [500, 'api_error'],
    [503, 'overloaded_error'],
  ])('an OpenAI error with status %i is an Anthropic %s', (status, type) => {
    const body = '{"error":{"message":"Something went wrong.","type":"whatever","param":null,"code":"x"}}';
    expect(error(status, body)).toEqual({ type: 'error', error: { type, message: 'Something went wrong.' } });
  });

  test('insufficient_quota (a 429) is a rate limit', () => {
    const body = '{"error":{"message":"You exceeded your current quota.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}';
    expect(error(429, body)).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: 'You exceeded your current quota.' } });
  });

  test('non-JSON bodies are wrapped; {"error":"..."} keeps its text', () => {
    expect(error(502, 'upstream connect error')).toEqual({ type: 'error', error: { type: 'api_error', message: 'upstream connect error' } });
    expect(error(404, '{"error":"model not found"}')).toEqual({ type: 'error', error: { type: 'not_found_error', message: 'model not found' } });
  });
});

describe('registry', () => {
  test('an Anthropic client on an openai backend gets this translator', () => {
    expect(createTranslator(messagesRequest(messagesWith({})), { backend: backend('openai') })).toBeInstanceOf(AnthropicToOpenAI);
  });

  test('and on an azure-openai backend, which speaks Chat Completions too', () => {
    expect(createTranslator(messagesRequest(messagesWith({})), { backend: backend('azure') })).toBeInstanceOf(AnthropicToOpenAI);
  });
});
