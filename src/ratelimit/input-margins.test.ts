import { clientRequest, entries } from './__fixtures__/backends';
import type { BackendName } from './__fixtures__/backends';
import { CLAUDE_TOOL_PROMPT_TOKENS, inputMargin, reservedInputTokens } from './input-margins';

const NONE = new Map<string, number>();
const MESSAGES = [{ role: 'user', content: 'x' }];
const chat = clientRequest('openai-chat', { messages: MESSAGES });
const margin = (name: BackendName, overrides = NONE): number => inputMargin(entries(name)[0], 'm', overrides);

describe('margins on the o200k prompt count', () => {
  test('by the tokenizer each backend’s model uses: OpenAI’s own is o200k, Claude 30%, Gemini 20%, unknown 30%', () => {
    expect(['openai', 'openai-eu', 'azure', 'azure-old'].map((name) => margin(name as BackendName))).toEqual([1, 1, 1, 1]);
    expect(['anthropic', 'vertex-claude', 'bedrock-claude', 'bedrock-invoke'].map((name) => margin(name as BackendName))).toEqual([1.3, 1.3, 1.3, 1.3]);
    expect(['gemini', 'vertex-gemini'].map((name) => margin(name as BackendName))).toEqual([1.2, 1.2]);
    // An OpenAI-compatible server that is not OpenAI, and Bedrock's other models: tokenizers unknown.
    expect(['local', 'groq', 'bedrock-llama'].map((name) => margin(name as BackendName))).toEqual([1.3, 1.3, 1.3]);
  });

  test('rateLimits.inputMargins sets a backend’s own', () => {
    expect(margin('local', new Map([['local', 1]]))).toBe(1);
    expect(margin('anthropic', new Map([['anthropic', 1.75]]))).toBe(1.75);
  });

  test('the reservation takes the largest margin among the backends, rounded up without float noise', () => {
    // 10 × 1.3 is 13.000000000000002 in floating point: 13, not 14.
    expect(reservedInputTokens(chat, 10, entries('anthropic'), NONE)).toBe(13);
    expect(reservedInputTokens(chat, 100, entries('openai', 'gemini'), NONE)).toBe(120);
    expect(reservedInputTokens(chat, 100, entries('openai', 'gemini', 'vertex-claude'), NONE)).toBe(130);
    expect(reservedInputTokens(chat, 101, entries('openai'), NONE)).toBe(101);
    expect(reservedInputTokens(chat, 7, entries('gemini'), NONE)).toBe(9);
  });

  test('a request with tools reserves Claude’s tool-use system prompt where a Claude backend would add it', () => {
    const tools = clientRequest('openai-chat', { messages: MESSAGES, tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }] });
    expect(reservedInputTokens(tools, 100, entries('anthropic'), NONE)).toBe(130 + CLAUDE_TOOL_PROMPT_TOKENS);
    expect(reservedInputTokens(tools, 100, entries('bedrock-claude'), NONE)).toBe(130 + 530);
    expect(reservedInputTokens(tools, 100, entries('openai', 'gemini', 'bedrock-llama'), NONE)).toBe(130);
    expect(reservedInputTokens(clientRequest('openai-chat', { messages: MESSAGES, tools: [] }), 100, entries('anthropic'), NONE)).toBe(130);
  });
});
