import { checkUsage } from '../usage';
import { emptyCounts, readAnthropicUsage, toOpenAIUsage, toTokenUsage } from './convert-anthropic-usage';

describe('Anthropic usage', () => {
  test('cache reads and writes are added back into input tokens', () => {
    const counts = emptyCounts();
    expect(readAnthropicUsage({ input_tokens: 12, cache_creation_input_tokens: 1500, cache_read_input_tokens: 3000, output_tokens: 640 }, counts)).toBe(true);
    const usage = toTokenUsage(counts);
    expect(usage).toEqual({
      inputTokens: 4512,
      outputTokens: 640,
      cachedInputTokens: 3000,
      cacheCreationInputTokens: 1500,
      reasoningTokens: 0,
      totalTokens: 5152,
    });
    expect(checkUsage(usage)).toEqual([]);
    expect(toOpenAIUsage(usage)).toEqual({
      prompt_tokens: 4512,
      completion_tokens: 640,
      total_tokens: 5152,
      prompt_tokens_details: { cached_tokens: 3000 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
  });

  test('later usage overwrites, never adds; absent and null fields keep the earlier value', () => {
    const counts = emptyCounts();
    readAnthropicUsage({ input_tokens: 100, cache_read_input_tokens: 50, cache_creation_input_tokens: 0, output_tokens: 1 }, counts);
    readAnthropicUsage({ output_tokens: 30 }, counts);
    readAnthropicUsage({ input_tokens: null, cache_read_input_tokens: 50, output_tokens: 42 }, counts);
    expect(toTokenUsage(counts)).toEqual({
      inputTokens: 150,
      outputTokens: 42,
      cachedInputTokens: 50,
      cacheCreationInputTokens: 0,
      reasoningTokens: 0,
      totalTokens: 192,
    });
  });

  test('reported thinking tokens become reasoning tokens, never more than the output', () => {
    const counts = emptyCounts();
    readAnthropicUsage({ input_tokens: 5, output_tokens: 300, output_tokens_details: { thinking_tokens: 250 } }, counts);
    expect(toTokenUsage(counts).reasoningTokens).toBe(250);
    readAnthropicUsage({ output_tokens: 100, output_tokens_details: { thinking_tokens: 250 } }, counts);
    const usage = toTokenUsage(counts);
    expect(usage.reasoningTokens).toBe(100);
    expect(checkUsage(usage)).toEqual([]);
  });

  test('junk counts read as 0; a missing usage object reads as none', () => {
    const counts = emptyCounts();
    expect(readAnthropicUsage(undefined, counts)).toBe(false);
    expect(readAnthropicUsage('12', counts)).toBe(false);
    readAnthropicUsage({ input_tokens: -4, output_tokens: 'many', cache_read_input_tokens: 2.7 }, counts);
    expect(toTokenUsage(counts)).toEqual({
      inputTokens: 2,
      outputTokens: 0,
      cachedInputTokens: 2,
      cacheCreationInputTokens: 0,
      reasoningTokens: 0,
      totalTokens: 2,
    });
  });
});
