import type { TokenUsage } from '../providers/usage';
import { PriceTable, costMicros } from './price-table';

const usage = (fields: Partial<TokenUsage>): TokenUsage => {
  const base = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, cacheCreationInputTokens: 0, reasoningTokens: 0, ...fields };
  return { ...base, totalTokens: base.inputTokens + base.outputTokens };
};

describe('costMicros', () => {
  const price = { input: 3, cachedInput: 0.3, cacheWrite: 3.75, output: 15, reasoning: 15 };

  test('prices every token kind once: cached and cache writes are inside input, reasoning inside output', () => {
    // 1000 input of which 600 cache reads and 100 cache writes; 500 output of which 200 reasoning.
    const micros = costMicros(usage({ inputTokens: 1000, cachedInputTokens: 600, cacheCreationInputTokens: 100, outputTokens: 500, reasoningTokens: 200 }), price);
    expect(micros).toBe(300 * 3 + 600 * 0.3 + 100 * 3.75 + 300 * 15 + 200 * 15);
    expect(micros).toBe(8955);
  });

  test('fractions of a micro-dollar round up, float noise does not', () => {
    expect(costMicros(usage({ inputTokens: 1 }), { ...price, input: 0.15 })).toBe(1);
    expect(costMicros(usage({ inputTokens: 100 }), { ...price, input: 0.07 })).toBe(7);
    expect(costMicros(usage({}), price)).toBe(0);
  });
});

describe('PriceTable', () => {
  const table = new PriceTable([
    { model: 'claude', input: 3, output: 15 },
    { model: 'claude', backend: 'bedrock', input: 3.3, output: 16.5, cachedInput: 0.33 },
  ]);

  test('a backend price overrides the model price; defaults fill cache and reasoning prices', () => {
    expect(table.priceOf('claude', 'anthropic')).toEqual({ input: 3, cachedInput: 3, cacheWrite: 3, output: 15, reasoning: 15 });
    expect(table.priceOf('claude', 'bedrock')).toEqual({ input: 3.3, cachedInput: 0.33, cacheWrite: 3.3, output: 16.5, reasoning: 16.5 });
    expect(table.priceOf('gpt', 'openai')).toBeUndefined();
  });

  test('the highest price across backends bounds a reservation', () => {
    expect(table.highestPrice('claude', ['anthropic', 'bedrock'])).toEqual({ input: 3.3, cachedInput: 3, cacheWrite: 3.3, output: 16.5, reasoning: 16.5 });
    expect(table.highestPrice('gpt', ['openai'])).toBeUndefined();
  });
});
