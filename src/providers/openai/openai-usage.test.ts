import { checkUsage, count, emptyUsage } from '../usage';
import type { TokenUsage } from '../usage';
import { fromOpenAIUsage, fromResponsesUsage } from './openai-usage';

describe('fromOpenAIUsage', () => {
  test('chat usage with prompt and completion details', () => {
    const usage = fromOpenAIUsage({
      prompt_tokens: 1200,
      completion_tokens: 350,
      total_tokens: 1550,
      prompt_tokens_details: { cached_tokens: 1024, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: 192,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    });
    expect(usage).toEqual({
      inputTokens: 1200,
      outputTokens: 350,
      cachedInputTokens: 1024,
      cacheCreationInputTokens: 0,
      reasoningTokens: 192,
      totalTokens: 1550,
    });
  });

  test('chat usage without details', () => {
    expect(fromOpenAIUsage({ prompt_tokens: 9, completion_tokens: 12, total_tokens: 21 })).toEqual({
      inputTokens: 9,
      outputTokens: 12,
      cachedInputTokens: 0,
      cacheCreationInputTokens: 0,
      reasoningTokens: 0,
      totalTokens: 21,
    });
  });

  test('embeddings usage: prompt and total only', () => {
    expect(fromOpenAIUsage({ prompt_tokens: 8, total_tokens: 8 })).toEqual({
      inputTokens: 8,
      outputTokens: 0,
      cachedInputTokens: 0,
      cacheCreationInputTokens: 0,
      reasoningTokens: 0,
      totalTokens: 8,
    });
  });

  test('totalTokens is computed, not copied from a provider total that disagrees', () => {
    expect(fromOpenAIUsage({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 100 })?.totalTokens).toBe(15);
  });

  test('missing fields give zeros', () => {
    expect(fromOpenAIUsage({})).toEqual(emptyUsage());
  });

  test('garbage fields give zeros; fractions are floored', () => {
    expect(
      fromOpenAIUsage({
        prompt_tokens: '12',
        completion_tokens: -4,
        prompt_tokens_details: null,
        completion_tokens_details: 'lots',
      }),
    ).toEqual(emptyUsage());
    expect(
      fromOpenAIUsage({
        prompt_tokens: 7.9,
        completion_tokens: Number.NaN,
        prompt_tokens_details: { cached_tokens: Number.POSITIVE_INFINITY },
        completion_tokens_details: { reasoning_tokens: true },
      }),
    ).toEqual({
      inputTokens: 7,
      outputTokens: 0,
      cachedInputTokens: 0,
      cacheCreationInputTokens: 0,
      reasoningTokens: 0,
      totalTokens: 7,
    });
  });

  test('details larger than their totals are capped so the invariants hold', () => {
    const usage = fromOpenAIUsage({
      prompt_tokens: 10,
      completion_tokens: 4,
      prompt_tokens_details: { cached_tokens: 50 },
      completion_tokens_details: { reasoning_tokens: 9 },
    });
    expect(usage).toEqual({
      inputTokens: 10,
      outputTokens: 4,
      cachedInputTokens: 10,
      cacheCreationInputTokens: 0,
      reasoningTokens: 4,
      totalTokens: 14,
    });
    expect(usage && checkUsage(usage)).toEqual([]);
  });

  test.each([null, undefined, 42, 'usage', true])('non-object %p gives undefined', (value) => {
    expect(fromOpenAIUsage(value)).toBeUndefined();
  });
});

describe('count', () => {
  test.each<[unknown, number]>([
    [5, 5],
    [5.9, 5],
    [0, 0],
    [-1, 0],
    [Number.NaN, 0],
    [Number.POSITIVE_INFINITY, 0],
    ['5', 0],
    [null, 0],
    [undefined, 0],
  ])('count(%p) = %p', (value, expected) => {
    expect(count(value)).toBe(expected);
  });
});

describe('checkUsage', () => {
  test('passes for normalised outputs', () => {
    const samples: unknown[] = [
      {},
      { prompt_tokens: 8, total_tokens: 8 },
      { prompt_tokens: 3, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 3 }, completion_tokens_details: { reasoning_tokens: 2 } },
      { prompt_tokens: 'x', completion_tokens: -1, prompt_tokens_details: { cached_tokens: 99 } },
    ];
    for (const sample of samples) {
      const usage = fromOpenAIUsage(sample);
      expect(usage).toBeDefined();
      expect(usage && checkUsage(usage)).toEqual([]);
    }
    expect(checkUsage(emptyUsage())).toEqual([]);
  });

  test('lists each broken invariant', () => {
    const usage: TokenUsage = {
      inputTokens: 10,
      outputTokens: 2,
      cachedInputTokens: 8,
      cacheCreationInputTokens: 3,
      reasoningTokens: 5,
      totalTokens: 11,
    };
    expect(checkUsage(usage)).toEqual([
      'cached and cache-creation tokens are part of inputTokens',
      'reasoningTokens are part of outputTokens',
      'totalTokens = inputTokens + outputTokens',
    ]);
  });

  test('names every count that is negative or not an integer', () => {
    // Sums still match (-1 + 1.5 = 0.5) and NaN compares false, so only the counts are reported.
    const usage: TokenUsage = {
      inputTokens: -1,
      outputTokens: 1.5,
      cachedInputTokens: -2,
      cacheCreationInputTokens: 0,
      reasoningTokens: Number.NaN,
      totalTokens: 0.5,
    };
    expect(checkUsage(usage)).toEqual([
      'inputTokens must be a non-negative integer',
      'outputTokens must be a non-negative integer',
      'cachedInputTokens must be a non-negative integer',
      'reasoningTokens must be a non-negative integer',
      'totalTokens must be a non-negative integer',
    ]);
  });

  test('a single broken total is the only problem reported', () => {
    expect(checkUsage({ ...emptyUsage(), inputTokens: 4, totalTokens: 5 })).toEqual(['totalTokens = inputTokens + outputTokens']);
  });
});

describe('fromResponsesUsage', () => {
  test('Responses API usage normalises like Chat Completions usage', () => {
    expect(
      fromResponsesUsage({ input_tokens: 50, input_tokens_details: { cached_tokens: 20 }, output_tokens: 30, output_tokens_details: { reasoning_tokens: 12 }, total_tokens: 80 }),
    ).toEqual({ inputTokens: 50, outputTokens: 30, cachedInputTokens: 20, cacheCreationInputTokens: 0, reasoningTokens: 12, totalTokens: 80 });
    expect(fromResponsesUsage(null)).toBeUndefined();
  });
});
