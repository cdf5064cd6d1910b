import { IdentifierMap } from './identifier-map';
import { IDENTIFIER_RULES, isValidIdentifier } from './identifier-rules';
import type { RuntimeBackend } from '../config/runtime';
import { renameRequestTools, requestToolNames, toolNameRule } from './tool-names';
import { restoreResponseTools } from './tool-names-response';

const upper = (name: string): string => name.toUpperCase();

describe('tool-name rules and their map', () => {
  test.each([
    ['gemini', 'mcp.server:tool', true],
    ['gemini', '2fa_check', false],
    ['gemini', '_2fa', true],
    ['gemini', 'x'.repeat(65), false],
    ['openai', 'github.create_issue', false],
    ['openai', 'x'.repeat(64), true],
    ['bedrock', 'ns:search', false],
    ['anthropic', 'x'.repeat(128), true],
    ['anthropic', 'x'.repeat(129), false],
  ] as const)('%s tool name %j valid: %s', (provider, name, valid) => {
    expect(isValidIdentifier(IDENTIFIER_RULES[provider].toolName, name)).toBe(valid);
  });

  test('Gemini: a name whose first character is refused gets a leading `_`, the rest keeps the same scheme', () => {
    const map = new IdentifierMap(IDENTIFIER_RULES.gemini.toolName, ['2fa_check', '1.a', 'ok.name', '9'.repeat(80)]);
    expect(['2fa_check', '1.a', 'ok.name'].map((name) => map.providerValue(name))).toEqual(['_2fa_check_1c260b76', '_1.a_7291411f', 'ok.name']);
    const long = map.providerValue('9'.repeat(80));
    expect(long).toMatch(/^_9{54}_[0-9a-f]{8}$/);
    expect(isValidIdentifier(IDENTIFIER_RULES.gemini.toolName, long)).toBe(true);
    expect(map.original('_2fa_check_1c260b76')).toBe('2fa_check');
    expect(map.rewritten()).toEqual([
      ['2fa_check', '_2fa_check_1c260b76'],
      ['1.a', '_1.a_7291411f'],
      ['9'.repeat(80), long],
    ]);
  });

  test('names that differ only in refused characters stay distinct', () => {
    const map = new IdentifierMap(IDENTIFIER_RULES.openai.toolName, ['a.b', 'a:b', 'a_b']);
    const sent = ['a.b', 'a:b', 'a_b'].map((name) => map.providerValue(name));
    expect(new Set(sent).size).toBe(3);
    expect(sent[2]).toBe('a_b');
  });
});

describe("the rule of an attempt's backend", () => {
  test.each([
    ['openai', 'gpt-4o', 'openai'],
    ['azure-openai', 'gpt-4o', 'openai'],
    ['anthropic', 'claude-sonnet-4-5', 'anthropic'],
    ['gemini', 'gemini-2.5-flash', 'gemini'],
    ['vertex', 'claude-sonnet-4-5@20250929', 'anthropic'],
    ['vertex', 'gemini-2.5-flash', 'gemini'],
  ] as const)('%s serving %s: %s', (kind, model, provider) => {
    expect(toolNameRule({ kind, bedrockApi: 'converse' } as RuntimeBackend, model)).toBe(IDENTIFIER_RULES[provider].toolName);
  });

  test('Bedrock: Converse has its own rule, InvokeModel (Claude, Messages body) Anthropic\'s', () => {
    expect(toolNameRule({ kind: 'bedrock', bedrockApi: 'converse' } as RuntimeBackend, 'm')).toBe(IDENTIFIER_RULES.bedrock.toolName);
    expect(toolNameRule({ kind: 'bedrock', bedrockApi: 'invoke' } as RuntimeBackend, 'm')).toBe(IDENTIFIER_RULES.anthropic.toolName);
  });
});

describe('tool names in request bodies', () => {
  test('chat: tools, named and allowed_tools tool_choice, history calls, and the deprecated function fields', () => {
    const body = {
      model: 'm',
      tools: [{ type: 'function', function: { name: 'a' } }, { type: 'custom', custom: { name: 'c' } }],
      tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [{ type: 'function', function: { name: 'b' } }] } },
      functions: [{ name: 'd' }],
      function_call: { name: 'e' },
      messages: [
        { role: 'assistant', tool_calls: [{ id: '1', type: 'function', function: { name: 'f', arguments: '{}' } }], function_call: { name: 'g' } },
        { role: 'function', name: 'h', content: 'x' },
        { role: 'user', name: 'not-a-tool', content: 'x' },
      ],
    };
    expect(requestToolNames('openai-chat', body)).toEqual(['a', 'b', 'd', 'e', 'f', 'g', 'h']);
    const renamed = renameRequestTools('openai-chat', body, upper) as typeof body;
    expect(renamed.tool_choice.allowed_tools.tools[0].function.name).toBe('B');
    expect(renamed.messages).toEqual([
      { role: 'assistant', tool_calls: [{ id: '1', type: 'function', function: { name: 'F', arguments: '{}' } }], function_call: { name: 'G' } },
      { role: 'function', name: 'H', content: 'x' },
      body.messages[2],
    ]);
    expect(body.tools[0].function?.name).toBe('a');
  });

  test('a body without tools, or whose names all stay, is returned as the same object', () => {
    const body = { model: 'm', messages: [{ role: 'user', content: 'hi' }], tools: 'not a list' };
    expect(renameRequestTools('openai-chat', body, upper)).toBe(body);
    const named = { model: 'm', messages: [], tools: [{ name: 'x' }] };
    expect(renameRequestTools('anthropic-messages', named, (name) => name)).toBe(named);
    expect(requestToolNames('openai-embeddings', { model: 'm', input: 'x' })).toEqual([]);
  });

  test('Messages: tools, a `tool` tool_choice and tool_use blocks; Responses: function tools, tool_choice and function_call items', () => {
    const messages = { tools: [{ name: 'a' }], tool_choice: { type: 'tool', name: 'b' }, messages: [{ role: 'assistant', content: [{ type: 'text', text: 'n' }, { type: 'tool_use', id: '1', name: 'c', input: {} }] }] };
    expect(requestToolNames('anthropic-messages', messages)).toEqual(['a', 'b', 'c']);
    const responses = { tools: [{ type: 'function', name: 'a' }, { type: 'web_search' }], tool_choice: { type: 'function', name: 'b' }, input: [{ type: 'function_call', name: 'c' }, { type: 'message', name: 'no' }] };
    expect(requestToolNames('openai-responses', responses)).toEqual(['a', 'b', 'c']);
    expect(requestToolNames('openai-responses', { ...responses, input: 'text only' })).toEqual(['a', 'b']);
  });
});

describe('tool names in answers', () => {
  const back = (name: string): string => (name === 'sent' ? 'client.name' : name);

  test('chat completion, chunk, Messages answer and events, Responses answer and events', () => {
    const chat = { choices: [{ message: { tool_calls: [{ function: { name: 'sent' } }, { function: { name: 'other' } }] } }, { delta: { function_call: { name: 'sent' } } }] };
    restoreResponseTools('openai-chat', chat, back);
    expect(chat).toEqual({ choices: [{ message: { tool_calls: [{ function: { name: 'client.name' } }, { function: { name: 'other' } }] } }, { delta: { function_call: { name: 'client.name' } } }] });
    const start = { type: 'content_block_start', content_block: { type: 'tool_use', name: 'sent' } };
    restoreResponseTools('anthropic-messages', start, back);
    expect(start.content_block.name).toBe('client.name');
    const text = { content: [{ type: 'text', name: 'sent' }] };
    restoreResponseTools('anthropic-messages', text, back);
    expect(text.content[0].name).toBe('sent');
    const completed = { type: 'response.completed', response: { output: [{ type: 'function_call', name: 'sent' }, { type: 'message', name: 'sent' }] } };
    restoreResponseTools('openai-responses', completed, back);
    expect(completed.response.output.map((item) => item.name)).toEqual(['client.name', 'sent']);
  });
});
