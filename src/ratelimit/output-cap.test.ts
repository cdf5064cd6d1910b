import { clientRequest, entries } from './__fixtures__/backends';
import { outputCap, requestedOutputCap } from './output-cap';

const MESSAGES = [{ role: 'user', content: 'x' }];
const chat = (body: Record<string, unknown>) => clientRequest('openai-chat', { messages: MESSAGES, ...body });

describe('the output a request can be charged for', () => {
  test('each API caps output with its own fields: a field of another API caps nothing', () => {
    expect(requestedOutputCap(chat({ max_completion_tokens: 300 }))).toBe(300);
    expect(requestedOutputCap(chat({ max_tokens: 50 }))).toBe(50);
    // Translators drop max_output_tokens from a chat request and OpenAI rejects it.
    expect(requestedOutputCap(chat({ max_output_tokens: 10 }))).toBeUndefined();
    expect(requestedOutputCap(clientRequest('openai-responses', { input: 'x', max_output_tokens: 77 }))).toBe(77);
    expect(requestedOutputCap(clientRequest('openai-responses', { input: 'x', max_tokens: 10 }))).toBeUndefined();
    // Translations of an Anthropic request read max_tokens alone.
    expect(requestedOutputCap(clientRequest('anthropic-messages', { messages: MESSAGES, max_tokens: 1024, max_completion_tokens: 10 }))).toBe(1024);
    expect(requestedOutputCap(clientRequest('openai-embeddings', { input: 'x', max_tokens: 10 }))).toBeUndefined();
  });

  test('legacy completions: max_tokens, times the larger of n and best_of, for each prompt', () => {
    const completions = (body: Record<string, unknown>) => clientRequest('openai-completions', { prompt: 'x', ...body });
    expect(requestedOutputCap(completions({ max_tokens: 40, max_completion_tokens: 900 }))).toBe(40);
    expect(outputCap(completions({ max_tokens: 40 }), entries('openai'), 4096)).toBe(40);
    expect(outputCap(completions({ max_tokens: 40, n: 2, best_of: 5 }), entries('openai'), 4096)).toBe(200);
    expect(outputCap(completions({ max_tokens: 40, n: 3, prompt: ['a', 'b'] }), entries('openai'), 4096)).toBe(240);
    expect(outputCap(completions({ max_tokens: 40, prompt: [[1, 2], [3], [4]] }), entries('openai'), 4096)).toBe(120);
    // One token id array is one prompt.
    expect(outputCap(completions({ max_tokens: 40, prompt: [1, 2, 3] }), entries('openai'), 4096)).toBe(40);
  });

  test('with both chat fields, the larger: a pass-through server may read either', () => {
    expect(outputCap(chat({ max_completion_tokens: 300, max_tokens: 500 }), entries('local'), 4096)).toBe(500);
    expect(outputCap(chat({ max_completion_tokens: 300, max_tokens: 50, n: 2 }), entries('openai'), 4096)).toBe(600);
  });

  test('n multiplies chat output (OpenAI choices, Gemini candidates); it means nothing to other APIs', () => {
    expect(outputCap(chat({ max_tokens: 100, n: 3 }), entries('openai', 'gemini'), 4096)).toBe(300);
    expect(outputCap(clientRequest('anthropic-messages', { messages: MESSAGES, max_tokens: 100, n: 3 }), entries('anthropic'), 4096)).toBe(100);
    expect(outputCap(clientRequest('openai-responses', { input: 'x', max_output_tokens: 100, n: 3 }), entries('openai'), 4096)).toBe(100);
  });

  test('embeddings generate nothing; a request with no cap reserves the default', () => {
    expect(outputCap(clientRequest('openai-embeddings', { input: 'x' }), entries('openai'), 4096)).toBe(0);
    expect(outputCap(chat({}), entries('openai', 'gemini', 'bedrock-llama'), 4096)).toBe(4096);
    expect(outputCap(clientRequest('openai-responses', { input: 'x' }), entries('azure'), 1000)).toBe(1000);
  });

  test('a chat request to Claude with no cap gets max_tokens 4096 from the translation, whatever the default', () => {
    for (const backend of ['anthropic', 'vertex-claude', 'bedrock-invoke'] as const) {
      expect(outputCap(chat({}), entries(backend), 1000)).toBe(4096);
    }
    // Gemini and Converse send no cap then: the provider's own limit applies, the default is a guess.
    expect(outputCap(chat({}), entries('gemini', 'bedrock-claude'), 1000)).toBe(1000);
  });

  test('reasoning_effort raises the cap a Claude translation sends above the thinking budget', () => {
    const high = chat({ max_completion_tokens: 2000, reasoning_effort: 'high' });
    // Anthropic, Vertex Claude and InvokeModel: budget 16384 + 1024 of answer room.
    expect(outputCap(high, entries('anthropic'), 4096)).toBe(17_408);
    expect(outputCap(high, entries('vertex-claude'), 4096)).toBe(17_408);
    expect(outputCap(high, entries('bedrock-invoke'), 4096)).toBe(17_408);
    // Converse to Claude: the same budget + 4096.
    expect(outputCap(high, entries('bedrock-claude'), 4096)).toBe(20_480);
    // Models that take no budget, and OpenAI's, where reasoning is inside max_completion_tokens.
    expect(outputCap(high, entries('bedrock-llama', 'openai', 'gemini', 'vertex-gemini'), 4096)).toBe(2000);
    // A failover may land on any backend: the largest.
    expect(outputCap(high, entries('openai', 'anthropic', 'bedrock-claude'), 4096)).toBe(20_480);
    // A cap above the budget is sent as it is.
    expect(outputCap(chat({ max_tokens: 30_000, reasoning_effort: 'high' }), entries('anthropic', 'bedrock-claude'), 4096)).toBe(30_000);
    expect(outputCap(chat({ max_tokens: 100, reasoning_effort: 'low' }), entries('anthropic'), 4096)).toBe(2048);
    expect(outputCap(chat({ max_tokens: 100, reasoning_effort: 'minimal' }), entries('anthropic'), 4096)).toBe(100);
  });

  test('an Anthropic request is capped by its max_tokens on every backend: thinking is inside it', () => {
    const messages = clientRequest('anthropic-messages', { messages: MESSAGES, max_tokens: 8000, thinking: { type: 'enabled', budget_tokens: 6000 } });
    expect(outputCap(messages, entries('anthropic', 'openai', 'bedrock-claude', 'bedrock-invoke', 'vertex-claude'), 4096)).toBe(8000);
  });
});
