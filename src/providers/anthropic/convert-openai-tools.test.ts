import { chatWith, refusal, translate, USER, WEATHER_TOOL } from './__fixtures__/fixture-support';

describe('tools', () => {
  const cases: Array<[unknown, unknown, object | undefined]> = [
    ['auto', undefined, { type: 'auto' }],
    ['required', undefined, { type: 'any' }],
    ['none', undefined, { type: 'none' }],
    [{ type: 'function', function: { name: 'get_weather' } }, undefined, { type: 'tool', name: 'get_weather' }],
    [undefined, undefined, undefined],
    ['auto', false, { type: 'auto', disable_parallel_tool_use: true }],
    ['required', false, { type: 'any', disable_parallel_tool_use: true }],
    [{ type: 'function', function: { name: 'get_weather' } }, false, { type: 'tool', name: 'get_weather', disable_parallel_tool_use: true }],
    ['none', false, { type: 'none' }],
    [undefined, false, { type: 'auto', disable_parallel_tool_use: true }],
    ['required', true, { type: 'any' }],
  ];
  test.each(cases)('tool_choice %j with parallel_tool_calls %j', (choice, parallel, expected) => {
    const { json } = translate(chatWith({ tools: [WEATHER_TOOL], tool_choice: choice, parallel_tool_calls: parallel }));
    expect((json as { tool_choice?: unknown }).tool_choice).toEqual(expected);
  });

  test('without tools, tool_choice is left out', () => {
    expect(translate(chatWith({ tool_choice: 'auto', parallel_tool_calls: false })).json).toEqual({
      model: 'claude-sonnet',
      max_tokens: 4096,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
    });
  });

  test('an invalid tool_choice is refused', () => {
    const error = refusal(chatWith({ tools: [WEATHER_TOOL], tool_choice: 'sometimes' }));
    expect([error.status, error.param]).toEqual([400, 'tool_choice']);
  });

  test('strict is dropped with a warning', () => {
    const strict = { type: 'function', function: { name: 'f', strict: true, parameters: { type: 'object', properties: {} } } };
    expect(translate(chatWith({ tools: [strict] })).warnings).toEqual(['dropped tools[0].function.strict: not supported by anthropic']);
  });

  test('tool call ids Anthropic would refuse are rewritten the same way on both sides', () => {
    const { json } = translate({
      model: 'm',
      messages: [
        USER,
        { role: 'assistant', content: '', tool_calls: [{ id: 'functions.get_weather:0', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'functions.get_weather:0', content: '' },
      ],
    });
    expect((json as { messages: unknown }).messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'hi' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'functions_get_weather_0_79ac1aaa', name: 'get_weather', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'functions_get_weather_0_79ac1aaa' }] },
    ]);
  });
});
