import { parseClientRequest } from '../../api/client-request';
import { AnthropicToAnthropic } from './anthropic-to-anthropic';
import { backend, fixtureBytes } from './__fixtures__/fixture-support';

function messagesRequest(body: object) {
  return parseClientRequest('anthropic-messages', Buffer.from(JSON.stringify(body)));
}

const BODY = { model: 'claude-sonnet', max_tokens: 64, temperature: 0.3, top_k: 5, messages: [{ role: 'user', content: 'hi' }] };

describe('AnthropicToAnthropic', () => {
  test('the body passes through byte for byte, with the backend key and version', () => {
    const request = messagesRequest(BODY);
    const upstream = new AnthropicToAnthropic(request, { backend: backend('proxy') }).requestBody();
    expect(upstream.path).toBe('/anthropic/v1/messages');
    expect(upstream.headers).toEqual({ 'content-type': 'application/json', 'anthropic-version': '2023-06-01' });
    expect(upstream.body.equals(request.rawBody)).toBe(true);
  });

  test('model override and credential', () => {
    const upstream = new AnthropicToAnthropic(messagesRequest(BODY), { backend: backend('anthropic'), upstreamModel: 'claude-sonnet-4-5' }).requestBody();
    expect(upstream.headers['x-api-key']).toBe('sk-ant-test');
    expect(JSON.parse(upstream.body.toString())).toEqual({ ...BODY, model: 'claude-sonnet-4-5' });
  });

  test('2026-10-21 drops sampling options with a warning each', () => {
    const translator = new AnthropicToAnthropic(messagesRequest(BODY), { backend: backend('anthropic-2026') });
    const upstream = translator.requestBody();
    expect(upstream.headers['anthropic-version']).toBe('2026-10-21');
    expect(JSON.parse(upstream.body.toString())).toEqual({ model: 'claude-sonnet', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });
    expect(translator.warnings).toEqual([
      'dropped temperature: anthropic-version 2026-10-21 rejects it',
      'dropped top_k: anthropic-version 2026-10-21 rejects it',
    ]);
  });

  test('non-streaming usage is normalised (cache reads and writes added to input)', () => {
    const translator = new AnthropicToAnthropic(messagesRequest(BODY), { backend: backend('anthropic') });
    const body = Buffer.from(JSON.stringify({ type: 'message', usage: { input_tokens: 10, output_tokens: 7, cache_read_input_tokens: 100, cache_creation_input_tokens: 20 } }));
    expect(translator.responseBody(body, true)).toBeUndefined();
    expect(translator.usage()).toEqual({ inputTokens: 130, outputTokens: 7, cachedInputTokens: 100, cacheCreationInputTokens: 20, reasoningTokens: 0, totalTokens: 137 });
  });

  test('stream usage (message_start + cumulative message_delta) is the same at every split, and bytes pass untouched', () => {
    const stream = fixtureBytes('stream-thinking.anthropic.sse.txt');
    const whole = new AnthropicToAnthropic(messagesRequest({ ...BODY, stream: true }), { backend: backend('anthropic') });
    whole.responseBody(stream, true);
    expect(whole.usage()).toEqual({ inputTokens: 2088, outputTokens: 210, cachedInputTokens: 0, cacheCreationInputTokens: 2048, reasoningTokens: 0, totalTokens: 2298 });
    for (let cut = 0; cut <= stream.length; cut++) {
      const translator = new AnthropicToAnthropic(messagesRequest({ ...BODY, stream: true }), { backend: backend('anthropic') });
      expect(translator.responseBody(stream.subarray(0, cut), false)).toBeUndefined();
      expect(translator.responseBody(stream.subarray(cut), true)).toBeUndefined();
      expect(translator.usage()).toEqual(whole.usage());
    }
  });

  test('errors: Anthropic-shaped bodies pass, others are reshaped', () => {
    const translator = new AnthropicToAnthropic(messagesRequest(BODY), { backend: backend('anthropic') });
    const anthropicError = Buffer.from(JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }));
    expect(translator.responseError(529, anthropicError)).toBeUndefined();
    expect(JSON.parse(translator.responseError(502, Buffer.from('bad gateway'))?.toString() ?? '')).toEqual({
      type: 'error',
      error: { type: 'api_error', message: 'bad gateway' },
    });
  });
});

describe('AnthropicToAnthropic history from other providers', () => {
  test('thinking blocks without a signature are dropped with a warning; signed ones stay', () => {
    const messages = [
      { role: 'user', content: 'q1' },
      { role: 'assistant', content: [{ type: 'thinking', thinking: 'from gpt', signature: '' }, { type: 'text', text: 'a1' }] },
      { role: 'assistant', content: [{ type: 'thinking', thinking: 'from claude', signature: 'sig' }, { type: 'text', text: 'a2' }] },
      { role: 'user', content: 'q2' },
    ];
    const translator = new AnthropicToAnthropic(messagesRequest({ model: 'claude-sonnet', max_tokens: 10, messages }), { backend: backend('anthropic') });
    const sent = JSON.parse(translator.requestBody().body.toString()) as { messages: unknown[] };
    expect(sent.messages).toEqual([
      messages[0],
      { role: 'assistant', content: [{ type: 'text', text: 'a1' }] },
      messages[2],
      messages[3],
    ]);
    expect(translator.warnings).toEqual(['dropped thinking blocks without a signature: Anthropic rejects them (they came from another provider)']);
  });

  test('tool ids Anthropic refuses (an OpenAI-compatible server wrote them) are rewritten on both sides; valid ones pass byte for byte', () => {
    const messages = [
      { role: 'user', content: 'q' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'functions.get_weather:1', name: 'get_weather', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'functions.get_weather:1', content: '3C' }] },
    ];
    const translator = new AnthropicToAnthropic(messagesRequest({ model: 'claude-sonnet', max_tokens: 10, messages }), { backend: backend('anthropic') });
    const sent = JSON.parse(translator.requestBody().body.toString()) as { messages: unknown[] };
    expect(sent.messages).toEqual([
      messages[0],
      { role: 'assistant', content: [{ type: 'tool_use', id: 'functions_get_weather_1_26c478f3', name: 'get_weather', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'functions_get_weather_1_26c478f3', content: '3C' }] },
    ]);
    const valid = messagesRequest({ model: 'claude-sonnet', max_tokens: 10, messages: [messages[0], { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'f', input: {} }] }] });
    expect(new AnthropicToAnthropic(valid, { backend: backend('anthropic') }).requestBody().body.equals(valid.rawBody)).toBe(true);
  });
});
