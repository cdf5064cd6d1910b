import { convertToAnthropicRequest } from './anthropic/convert-to-anthropic-request';
import { convertAnthropicRequestToBedrock } from './bedrock/convert-anthropic-request-to-bedrock';
import { convertToBedrockRequest } from './bedrock/convert-to-bedrock-request';
import { GeminiIds } from './gemini/gemini-ids';
import { IdentifierMap } from './identifier-map';
import { withAnthropicToolIdsIn, withBedrockToolIds, withOpenAIToolIdsIn } from './history-ids';
import { convertAnthropicRequestToOpenAI } from './openai/convert-anthropic-request-to-openai';
import { IDENTIFIER_RULES, isValidIdentifier } from './identifier-rules';

/** `call_` + 63 characters: the length of ids some OpenAI-compatible servers write. */
const LONG_ID = `call_${'Ab3'.repeat(20)}xyz`;
const DOTTED_ID = 'functions.get_weather:1';

/** An OpenAI chat history with two parallel calls whose ids only OpenAI accepts. */
function openAIHistory(ids: readonly string[]): Record<string, unknown> {
  return {
    model: 'm',
    messages: [
      { role: 'user', content: 'Weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: ids.map((id, index) => ({ id, type: 'function', function: { name: 'get_weather', arguments: `{"city":"${['Paris', 'Rome'][index]}"}` } })),
      },
      ...ids.map((id, index) => ({ role: 'tool', tool_call_id: id, content: `${20 + index}C` })),
    ],
  };
}

describe('identifier rules', () => {
  test.each([
    ['bedrock', 'call_abc-DEF_123', true],
    ['bedrock', DOTTED_ID, false],
    ['bedrock', LONG_ID, false],
    ['bedrock', 'x'.repeat(64), true],
    ['bedrock', '', false],
    ['anthropic', LONG_ID, true],
    ['anthropic', DOTTED_ID, false],
    ['openai', DOTTED_ID, true],
  ] as const)('%s tool-call id %j valid: %s', (provider, id, valid) => {
    expect(isValidIdentifier(IDENTIFIER_RULES[provider].toolCallId, id)).toBe(valid);
  });

  test('Bedrock document names: letters, digits, single spaces, hyphens, parentheses, brackets, at most 200', () => {
    const rule = IDENTIFIER_RULES.bedrock.documentName;
    expect(['Report (2026) [draft]-v2', 'a'].map((name) => isValidIdentifier(rule, name))).toEqual([true, true]);
    expect(['two  spaces', 'dot.pdf', 'x'.repeat(201), ''].map((name) => isValidIdentifier(rule, name))).toEqual([false, false, false, false]);
  });

  test('function names: Gemini allows dots and colons, OpenAI and Bedrock do not', () => {
    expect([IDENTIFIER_RULES.gemini, IDENTIFIER_RULES.openai, IDENTIFIER_RULES.bedrock].map((rules) => isValidIdentifier(rules.toolName, 'mcp.server:tool'))).toEqual([true, false, false]);
  });
});

describe('IdentifierMap (tool-call ids)', () => {
  const rule = IDENTIFIER_RULES.bedrock.toolCallId;

  test('valid ids stay; invalid ones get their allowed characters plus a hash of the whole id', () => {
    const map = new IdentifierMap(rule, ['call_ok', DOTTED_ID, LONG_ID, DOTTED_ID]);
    expect(['call_ok', DOTTED_ID, LONG_ID].map((id) => map.providerValue(id))).toEqual([
      'call_ok',
      'functions_get_weather_1_26c478f3',
      `${LONG_ID.slice(0, 55)}_f09a3ed1`,
    ]);
    expect(map.providerValue(LONG_ID)).toHaveLength(64);
    expect(map.original('functions_get_weather_1_26c478f3')).toBe(DOTTED_ID);
    expect(map.original('call_ok')).toBe('call_ok');
    expect(map.rewritesAny).toBe(true);
  });

  test('distinct ids stay distinct, even when a valid id already holds the rewritten value', () => {
    const map = new IdentifierMap(rule, [DOTTED_ID, 'functions_get_weather_1_26c478f3', 'functions.get_weather:2']);
    expect([DOTTED_ID, 'functions_get_weather_1_26c478f3', 'functions.get_weather:2'].map((id) => map.providerValue(id))).toEqual([
      'functions_get_weather_1_26c478f31',
      'functions_get_weather_1_26c478f3',
      'functions_get_weather_2_d80023f0',
    ]);
  });

  test('the same id maps to the same value in every request (deterministic)', () => {
    expect(new IdentifierMap(rule, [DOTTED_ID]).providerValue(DOTTED_ID)).toBe(new IdentifierMap(rule, ['a', DOTTED_ID]).providerValue(DOTTED_ID));
  });

  test('a history with only valid ids is returned as the same array', () => {
    const messages = [{ role: 'assistant' as const, content: [{ toolUse: { toolUseId: 'call_1', name: 'f', input: {} } }] }];
    expect(withBedrockToolIds(messages)).toBe(messages);
    const raw = [{ role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'f', input: {} }] }];
    expect(withAnthropicToolIdsIn(raw)).toBe(raw);
    expect(withAnthropicToolIdsIn('not an array')).toBe('not an array');
  });
});

describe('histories through the request translators', () => {
  test('OpenAI history → Bedrock Converse: calls and results paired with valid ids', () => {
    const { body } = convertToBedrockRequest(openAIHistory([LONG_ID, DOTTED_ID]), { backendName: 'b', modelId: 'm' });
    expect(body.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: [
          { toolUse: { toolUseId: `${LONG_ID.slice(0, 55)}_f09a3ed1`, name: 'get_weather', input: { city: 'Paris' } } },
          { toolUse: { toolUseId: 'functions_get_weather_1_26c478f3', name: 'get_weather', input: { city: 'Rome' } } },
        ],
      },
      {
        role: 'user',
        content: [
          { toolResult: { toolUseId: `${LONG_ID.slice(0, 55)}_f09a3ed1`, content: [{ text: '20C' }] } },
          { toolResult: { toolUseId: 'functions_get_weather_1_26c478f3', content: [{ text: '21C' }] } },
        ],
      },
    ]);
  });

  test('OpenAI history → Anthropic: the dotted id is rewritten, the 68-character id (valid there) is kept', () => {
    const { body } = convertToAnthropicRequest(openAIHistory([LONG_ID, DOTTED_ID]), { model: 'claude', anthropicVersion: '2023-06-01', backendName: 'a' });
    const ids = body.messages.flatMap((message) => message.content.map((block) => ('id' in block ? block.id : 'tool_use_id' in block ? block.tool_use_id : block.type)));
    expect(ids).toEqual(['text', LONG_ID, 'functions_get_weather_1_26c478f3', LONG_ID, 'functions_get_weather_1_26c478f3']);
  });

  test('Gemini-signed ids (longer than Bedrock allows) → Bedrock from an Anthropic Messages history', () => {
    const signed = new GeminiIds('p').nextToolCallId('c2lnbmF0dXJlLXRoYXQtaXMtbG9uZy1lbm91Z2gtdG8tYnJlYWstNjQ=');
    expect(signed.length).toBeGreaterThan(64);
    const { body } = convertAnthropicRequestToBedrock(
      {
        model: 'm',
        max_tokens: 100,
        messages: [
          { role: 'user', content: 'Weather?' },
          { role: 'assistant', content: [{ type: 'tool_use', id: signed, name: 'get_weather', input: { city: 'Oslo' } }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: signed, content: '3C' }] },
        ],
      },
      { backendName: 'b', modelId: 'amazon.nova-pro-v1:0' },
    );
    const [call, result] = [body.messages[1].content[0], body.messages[2].content[0]];
    if (!('toolUse' in call) || !('toolResult' in result)) throw new Error('expected a toolUse and a toolResult');
    expect(call.toolUse.toolUseId).toBe(result.toolResult.toolUseId);
    expect(isValidIdentifier(IDENTIFIER_RULES.bedrock.toolCallId, call.toolUse.toolUseId)).toBe(true);
  });

  test('OpenAI chat history → OpenAI: ids over 40 characters (a Gemini-signed one) shortened, short and odd ones kept', () => {
    const signed = new GeminiIds('p').nextToolCallId('c2lnbmF0dXJlLXRoYXQtaXMtbG9uZy1lbm91Z2gtdG8tYnJlYWstNjQ=');
    const history = (openAIHistory([LONG_ID, signed]).messages as object[]).concat(openAIHistory([DOTTED_ID]).messages as object[]);
    const rewritten = withOpenAIToolIdsIn(history) as Array<{ tool_call_id?: string; tool_calls?: Array<{ id: string }> }>;
    const ids = rewritten.flatMap((message) => [...(message.tool_calls ?? []).map((call) => call.id), ...(message.tool_call_id ? [message.tool_call_id] : [])]);
    expect(ids.slice(0, 4)).toEqual(['call_Ab3Ab3Ab3Ab3Ab3Ab3Ab3Ab3Ab_f09a3ed1', ids[1], 'call_Ab3Ab3Ab3Ab3Ab3Ab3Ab3Ab3Ab_f09a3ed1', ids[1]]);
    expect(signed.length).toBeGreaterThan(40);
    expect(ids[1]).toHaveLength(40);
    expect(ids[1].startsWith(signed.slice(0, 31))).toBe(true);
    expect(ids.slice(4)).toEqual([DOTTED_ID, DOTTED_ID]);
    const short = openAIHistory(['call_1']).messages;
    expect(withOpenAIToolIdsIn(short)).toBe(short);
  });

  test('Anthropic Messages history → OpenAI: a 68-character tool_use id is cut to 40 on both sides', () => {
    const { body } = convertAnthropicRequestToOpenAI(
      {
        model: 'm',
        max_tokens: 10,
        messages: [
          { role: 'user', content: 'Weather?' },
          { role: 'assistant', content: [{ type: 'tool_use', id: LONG_ID, name: 'get_weather', input: {} }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: LONG_ID, content: '3C' }] },
        ],
      },
      { model: 'gpt', backendName: 'o', stream: false, streamIncludeUsage: true },
    );
    expect(body.messages.slice(1)).toEqual([
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_Ab3Ab3Ab3Ab3Ab3Ab3Ab3Ab3Ab_f09a3ed1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'call_Ab3Ab3Ab3Ab3Ab3Ab3Ab3Ab3Ab_f09a3ed1', content: '3C' },
    ]);
  });
});
