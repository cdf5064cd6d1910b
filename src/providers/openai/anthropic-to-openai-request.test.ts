import { backend, fixtureBytes, fixtureJson, messagesRequest, messagesWith, refusal, translate, translatorFor } from './__fixtures__/anthropic-to-openai/fixture-support';
import { AnthropicToOpenAI } from './anthropic-to-openai';
import { REPLAYED_THINKING_WARNING } from './convert-anthropic-messages-to-openai';

const CACHE = 'dropped cache_control: not supported by openai';

describe('request goldens', () => {
  const cases: Array<[string, string[]]> = [
    ['system-multi-turn', []],
    // Its assistant turn replays a signed thinking block, which chat completions cannot take.
    ['tools-history', [REPLAYED_THINKING_WARNING]],
    ['images', []],
    ['thinking-stream', []],
    ['top-k', ['dropped top_k: not supported by openai']],
    ['cache-control', [CACHE]],
  ];
  test.each(cases)('%s', (name, warnings) => {
    const translator = translatorFor(fixtureBytes(`${name}.anthropic-request.json`));
    const upstream = translator.requestBody();
    // Byte comparison with the golden re-serialised: key order is part of the contract.
    expect(upstream.body.toString('utf8')).toBe(JSON.stringify(fixtureJson(`${name}.openai-request.json`)));
    expect(translator.warnings).toEqual(warnings);
  });
});

describe('upstream request', () => {
  test('path under the baseUrl prefix, bearer credential', () => {
    const upstream = translatorFor(messagesWith({})).requestBody();
    expect(upstream.path).toBe('/v1/chat/completions');
    expect(upstream.headers).toEqual({ 'content-type': 'application/json', authorization: 'Bearer sk-test' });
  });

  test('no credential, no credential header', () => {
    expect(translatorFor(messagesWith({}), 'vllm').requestBody().headers).toEqual({ 'content-type': 'application/json' });
  });

  test('an Azure dated api-version puts the deployment in the path', () => {
    const upstream = translatorFor(messagesWith({}), 'azure').requestBody();
    expect(upstream.path).toBe('/openai/deployments/gpt-4.1-mini/chat/completions?api-version=2024-10-21');
    expect(upstream.headers['api-key']).toBe('sk-test');
  });

  test('without an upstream model the client model is sent', () => {
    const upstream = new AnthropicToOpenAI(messagesRequest(messagesWith({})), { backend: backend('openai') }).requestBody();
    expect(JSON.parse(upstream.body.toString('utf8'))).toMatchObject({ model: 'claude-sonnet-4-5' });
  });

  test('a backend without stream usage gets no stream_options', () => {
    expect(translate(messagesWith({ stream: true }), 'vllm').json).toMatchObject({ stream: true });
    expect(translate(messagesWith({ stream: true }), 'vllm').json).not.toHaveProperty('stream_options');
  });

  test('calling requestBody again gives the same warnings, not twice as many', () => {
    const translator = translatorFor(messagesWith({ top_k: 5 }));
    translator.requestBody();
    translator.requestBody();
    expect(translator.warnings).toEqual(['dropped top_k: not supported by openai']);
  });
});

describe('options', () => {
  test.each([
    [1024, 'low'],
    [2047, 'low'],
    [2048, 'medium'],
    [8191, 'medium'],
    [8192, 'high'],
    [32000, 'high'],
  ])('thinking budget %i → reasoning_effort %s, without a warning', (budget, effort) => {
    const { json, warnings } = translate(messagesWith({ max_tokens: 64000, thinking: { type: 'enabled', budget_tokens: budget } }));
    expect(json).toMatchObject({ reasoning_effort: effort });
    expect(warnings).toEqual([]);
  });

  test('thinking disabled or adaptive sends no effort', () => {
    expect(translate(messagesWith({ thinking: { type: 'disabled' } })).json).not.toHaveProperty('reasoning_effort');
    expect(translate(messagesWith({ thinking: { type: 'adaptive' } })).json).not.toHaveProperty('reasoning_effort');
  });

  test('output_config: effort (above high lowered with a warning) and a JSON schema format', () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
    const { json, warnings } = translate(messagesWith({ output_config: { effort: 'max', format: { type: 'json_schema', schema } } }));
    expect(json).toMatchObject({ reasoning_effort: 'high', response_format: { type: 'json_schema', json_schema: { name: 'output', schema, strict: true } } });
    expect(warnings).toEqual(["lowered output_config.effort max to high: openai's highest common effort"]);
  });

  test.each([
    [{ type: 'auto' }, 'auto'],
    [{ type: 'any' }, 'required'],
    [{ type: 'none' }, 'none'],
    [{ type: 'tool', name: 'get_time' }, { type: 'function', function: { name: 'get_time' } }],
  ])('tool_choice %j → %j', (choice, expected) => {
    const tools = [{ name: 'get_time', input_schema: { type: 'object', properties: {} } }];
    const { json } = translate(messagesWith({ tools, tool_choice: choice }));
    expect(json).toMatchObject({ tool_choice: expected });
    expect(json).not.toHaveProperty('parallel_tool_calls');
  });

  test('without tools, tool_choice and parallel_tool_calls are left out (OpenAI rejects them)', () => {
    const { json } = translate(messagesWith({ tool_choice: { type: 'any', disable_parallel_tool_use: true } }));
    expect(json).not.toHaveProperty('tool_choice');
    expect(json).not.toHaveProperty('parallel_tool_calls');
  });

  test('cache_control anywhere, top level included, is one warning', () => {
    const body = messagesWith({
      cache_control: { type: 'ephemeral' },
      system: [{ type: 'text', text: 's', cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'text', text: 'r', cache_control: { type: 'ephemeral' } }] }] }],
    });
    expect(translate(body).warnings).toEqual([CACHE]);
  });

  test('unknown options and unknown tool fields are dropped with a warning each', () => {
    const tools = [{ name: 'a', input_schema: { type: 'object' }, defer_loading: true }, { name: 'b', input_schema: { type: 'object' }, defer_loading: true }];
    expect(translate(messagesWith({ service_tier: 'auto', tools })).warnings).toEqual([
      'dropped tools[].defer_loading: not supported by openai',
      'dropped service_tier: not supported by openai',
    ]);
  });

  test('a final assistant message (prefill) is sent as a turn, with a warning', () => {
    const body = messagesWith({ messages: [{ role: 'user', content: 'JSON please' }, { role: 'assistant', content: '{' }] });
    const { json, warnings } = translate(body);
    expect(json).toMatchObject({ messages: [{ role: 'user', content: 'JSON please' }, { role: 'assistant', content: '{' }] });
    expect(warnings).toEqual(['sent the final assistant message as a previous turn: openai cannot continue a prefilled reply']);
  });

  test('an assistant turn of thinking only is left out; tool calls alone have content null', () => {
    const body = messagesWith({
      messages: [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'hm', signature: 'sig' }] },
        { role: 'user', content: 'b' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'f', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1' }] },
      ],
    });
    expect(translate(body).json).toMatchObject({
      messages: [
        { role: 'user', content: 'a' },
        { role: 'user', content: 'b' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'toolu_1', content: '' },
      ],
    });
  });
});

describe('refused requests (400)', () => {
  const cases: Array<[string, object, string, string]> = [
    [
      'a document block',
      messagesWith({
        messages: [{ role: 'user', content: [{ type: 'text', text: 'Summarise' }, { type: 'document', source: { type: 'url', url: 'https://example.com/a.pdf' } }] }],
      }),
      'messages[0].content[1]',
      'messages[0].content[1]: document blocks cannot be sent to backend "openai" (openai) in a user message.',
    ],
    [
      'a server tool',
      messagesWith({ tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 5 }] }),
      'tools[0].type',
      'tools[0].type: web_search_20250305 is an Anthropic server tool; backend "openai" (openai) runs only client tools.',
    ],
    [
      'an image from the Files API',
      messagesWith({ messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'file_011' } }] }] }),
      'messages[0].content[0].source',
      'messages[0].content[0].source: only base64 and url image sources can be sent to backend "openai" (openai).',
    ],
    [
      'an image in a tool result',
      messagesWith({
        messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'image', source: { type: 'url', url: 'https://x/y.png' } }] }] }],
      }),
      'messages[0].content[0].content[0]',
      'messages[0].content[0].content[0]: image blocks cannot be sent to backend "openai" (openai) in a tool result.',
    ],
    [
      'a tool_use block in a user message',
      messagesWith({ messages: [{ role: 'user', content: [{ type: 'tool_use', id: 't', name: 'f', input: {} }] }] }),
      'messages[0].content[0]',
      'messages[0].content[0]: tool_use blocks cannot be sent to backend "openai" (openai) in a user message.',
    ],
    ['a system role in messages', messagesWith({ messages: [{ role: 'system', content: 'x' }] }), 'messages[0].role', 'messages[0].role must be "user" or "assistant".'],
    ['a tool without input_schema', messagesWith({ tools: [{ name: 'f' }] }), 'tools[0].input_schema', 'tools[0].input_schema must be a JSON schema object.'],
    ['thinking without a budget', messagesWith({ thinking: { type: 'enabled' } }), 'thinking.budget_tokens', 'thinking.budget_tokens must be a positive integer.'],
  ];
  test.each(cases)('%s', (_name, body, param, message) => {
    const error = refusal(body);
    expect(error).toMatchObject({ status: 400, type: 'invalid_request_error', param, message });
  });
});
