import { chatWith, translate, USER, WEATHER_TOOL } from './__fixtures__/fixture-support';

describe('reasoning_effort', () => {
  const cases: Array<[string, number, number]> = [
    ['low', 1024, 4096],
    ['medium', 4096, 5120],
    ['high', 16384, 17408],
  ];
  test.each(cases)('%s: budget %d, default max_tokens raised to %d without a warning', (effort, budget, maxTokens) => {
    const { json, warnings } = translate(chatWith({ reasoning_effort: effort }));
    expect(json).toEqual({
      model: 'claude-sonnet',
      max_tokens: maxTokens,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      thinking: { type: 'enabled', budget_tokens: budget },
    });
    expect(warnings).toEqual([]);
  });

  test.each(['none', 'minimal'])('%s: no thinking', (effort) => {
    const { json, warnings } = translate(chatWith({ reasoning_effort: effort }));
    expect((json as { thinking?: unknown }).thinking).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  test('a max_tokens above the budget is kept', () => {
    expect((translate(chatWith({ reasoning_effort: 'low', max_tokens: 1025 })).json as { max_tokens: number }).max_tokens).toBe(1025);
  });

  test('sampling options Anthropic refuses with thinking are dropped; allowed ones kept', () => {
    const { json, warnings } = translate(chatWith({ reasoning_effort: 'low', temperature: 0.5, top_p: 0.97, top_k: 5 }));
    expect(json).toEqual({
      model: 'claude-sonnet',
      max_tokens: 4096,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      thinking: { type: 'enabled', budget_tokens: 1024 },
      top_p: 0.97,
    });
    expect(warnings).toEqual([
      'dropped temperature: anthropic does not allow it with extended thinking (reasoning_effort)',
      'dropped top_k: anthropic does not allow it with extended thinking (reasoning_effort)',
    ]);
    expect(translate(chatWith({ reasoning_effort: 'low', top_p: 0.9 })).warnings).toEqual([
      'dropped top_p: anthropic does not allow it with extended thinking (reasoning_effort)',
    ]);
  });

  test('a forced tool choice turns thinking off', () => {
    const { json, warnings } = translate(chatWith({ reasoning_effort: 'high', tools: [WEATHER_TOOL], tool_choice: 'required' }));
    expect((json as { thinking?: unknown }).thinking).toBeUndefined();
    expect(warnings).toEqual(['dropped reasoning_effort: anthropic cannot think when tool_choice forces a tool call']);
  });

  test('continuing a tool loop turns thinking off; a new user turn does not', () => {
    const loop = [
      USER,
      { role: 'assistant', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
    ];
    const continued = translate({ model: 'm', messages: loop, tools: [WEATHER_TOOL], reasoning_effort: 'low' });
    expect((continued.json as { thinking?: unknown }).thinking).toBeUndefined();
    expect(continued.warnings).toEqual(['dropped reasoning_effort: anthropic needs the signed thinking block of the turn being continued']);
    const next = translate({ model: 'm', messages: [...loop, { role: 'assistant', content: 'Sunny.' }, USER], tools: [WEATHER_TOOL], reasoning_effort: 'low' });
    expect((next.json as { thinking?: unknown }).thinking).toEqual({ type: 'enabled', budget_tokens: 1024 });
    expect(next.warnings).toEqual([]);
  });
});
