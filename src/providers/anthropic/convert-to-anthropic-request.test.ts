import { backend, chatRequest, chatWith, fixtureJson, translate } from './__fixtures__/fixture-support';
import { OpenAIToAnthropic } from './openai-to-anthropic';

describe('golden request fixtures', () => {
  const cases: Array<[string, string, string | undefined, string[]]> = [
    ['simple-chat', 'anthropic', 'claude-sonnet-4-5', []],
    ['tools-multi-turn', 'anthropic', undefined, []],
    ['images', 'anthropic', undefined, []],
    ['cache-control', 'anthropic', undefined, []],
    ['structured-output', 'anthropic', undefined, []],
    ['reasoning', 'anthropic', undefined, ['raised max_tokens to 17408: anthropic needs it above the thinking budget of 16384']],
    [
      'version-2026',
      'anthropic-2026',
      undefined,
      [
        'dropped temperature: anthropic-version 2026-10-21 rejects it',
        'dropped top_p: anthropic-version 2026-10-21 rejects it',
        'dropped top_k: anthropic-version 2026-10-21 rejects it',
        'dropped frequency_penalty: not supported by anthropic',
        'dropped seed: not supported by anthropic',
      ],
    ],
  ];
  test.each(cases)('%s', (name, backendName, upstreamModel, warnings) => {
    const result = translate(fixtureJson(`${name}.openai-request.json`) as object, backendName, upstreamModel);
    expect(result.json).toEqual(fixtureJson(`${name}.anthropic-request.json`));
    expect(result.warnings).toEqual(warnings);
  });

  test('on 2023-06-01 the same sampling options are kept', () => {
    const result = translate(fixtureJson('version-2026.openai-request.json') as object);
    expect(result.json).toEqual({ ...(fixtureJson('version-2026.anthropic-request.json') as object), temperature: 0.7, top_p: 0.95, top_k: 40 });
    expect(result.warnings).toEqual(['dropped frequency_penalty: not supported by anthropic', 'dropped seed: not supported by anthropic']);
  });
});


describe('other options', () => {
  test('temperature above 1 is clamped with a warning', () => {
    const { json, warnings } = translate(chatWith({ temperature: 1.5 }));
    expect((json as { temperature: number }).temperature).toBe(1);
    expect(warnings).toEqual(['clamped temperature 1.5 to 1: anthropic accepts 0 to 1']);
  });

  test('stop as an array; an empty array sends nothing', () => {
    expect((translate(chatWith({ stop: ['END', '###'] })).json as { stop_sequences: unknown }).stop_sequences).toEqual(['END', '###']);
    expect((translate(chatWith({ stop: [] })).json as { stop_sequences?: unknown }).stop_sequences).toBeUndefined();
  });

  test('max_completion_tokens wins over max_tokens', () => {
    expect((translate(chatWith({ max_tokens: 10, max_completion_tokens: 20 })).json as { max_tokens: number }).max_tokens).toBe(20);
  });

  test('every option set and not supported is dropped with a warning; null, false and stream_options quietly', () => {
    const { json, warnings } = translate(
      chatWith({
        logprobs: true,
        top_logprobs: 3,
        presence_penalty: 0.1,
        frequency_penalty: 0.2,
        seed: 1,
        logit_bias: { '50256': -100 },
        service_tier: 'auto',
        store: true,
        metadata: { team: 'a' },
        web_search_options: {},
        stream_options: { include_usage: true },
        prediction: null,
        modalities: null,
        parallel_tool_calls: true,
      }),
    );
    expect(json).toEqual({ model: 'claude-sonnet', max_tokens: 4096, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] });
    expect(warnings).toEqual([
      'dropped logprobs: not supported by anthropic',
      'dropped top_logprobs: not supported by anthropic',
      'dropped presence_penalty: not supported by anthropic',
      'dropped frequency_penalty: not supported by anthropic',
      'dropped seed: not supported by anthropic',
      'dropped logit_bias: not supported by anthropic',
      'dropped service_tier: not supported by anthropic',
      'dropped store: not supported by anthropic',
      'dropped metadata: not supported by anthropic',
      'dropped web_search_options: not supported by anthropic',
    ]);
    expect(translate(chatWith({ logprobs: false, store: false, seed: null })).warnings).toEqual([]);
  });

  test('same-role turns merge; empty text is left out; system messages anywhere go to the top', () => {
    const { json } = translate({
      model: 'm',
      messages: [
        { role: 'user', content: 'one' },
        { role: 'user', content: '' },
        { role: 'system', content: 'late rule' },
        { role: 'user', content: [{ type: 'text', text: 'two' }] },
        { role: 'assistant', content: [{ type: 'refusal', refusal: 'I cannot.' }] },
        { role: 'assistant', content: 'Anything else?' },
      ],
    });
    expect(json).toEqual({
      model: 'm',
      max_tokens: 4096,
      system: [{ type: 'text', text: 'late rule' }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'one' }, { type: 'text', text: 'two' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'I cannot.' }, { type: 'text', text: 'Anything else?' }] },
      ],
    });
  });
});

describe('response_format → structured outputs', () => {
  const schema = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false };
  test('json_schema on anthropic-version 2026-10-21 too: output_config.format, no beta header', () => {
    const body = chatWith({ response_format: { type: 'json_schema', json_schema: { name: 'x', strict: false, schema } } });
    const translator = new OpenAIToAnthropic(chatRequest(body), { backend: backend('anthropic-2026') });
    const upstream = translator.requestBody();
    expect((JSON.parse(upstream.body.toString('utf8')) as Record<string, unknown>).output_config).toEqual({ format: { type: 'json_schema', schema } });
    expect(upstream.headers['anthropic-beta']).toBeUndefined();
    expect(translator.warnings).toEqual([]);
  });

  test('text asks for nothing', () => {
    expect((translate(chatWith({ response_format: { type: 'text' } })).json as Record<string, unknown>).output_config).toBeUndefined();
  });
});
