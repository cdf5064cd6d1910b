import { compileFormula, formulaProblem } from './cost-formulas';

const usage = { inputTokens: 100, outputTokens: 40, cachedInputTokens: 60, cacheCreationInputTokens: 0, reasoningTokens: 10, totalTokens: 140 };

describe('cost formulas (CEL)', () => {
  test('evaluate over usage, model and backend', () => {
    expect(compileFormula('input_tokens + 4 * output_tokens')(usage, 'gpt-4o', 'openai')).toBe(260);
    expect(compileFormula('(input_tokens - cached_input_tokens) + cached_input_tokens / 10 + 4 * output_tokens')(usage, 'm', 'b')).toBe(206);
    expect(compileFormula('model == "o3" ? total_tokens * 3 : total_tokens')(usage, 'o3', 'b')).toBe(420);
    expect(compileFormula('backend == "bedrock" ? 2.5 * double(total_tokens) : 0.0')(usage, 'm', 'bedrock')).toBe(350);
    expect(compileFormula('output_tokens - input_tokens')(usage, 'm', 'b')).toBe(0);
  });

  test('problems are found at load: syntax, unknown variables, non-numbers', () => {
    expect(formulaProblem('input_tokens +')).toMatch(/./);
    expect(formulaProblem('prompt_tokens * 2')).toMatch(/prompt_tokens/);
    expect(formulaProblem('model')).toBe('must evaluate to a number, not string');
    expect(formulaProblem('input_tokens * 0.5')).toMatch(/./);
    expect(formulaProblem('double(input_tokens) * 0.5')).toBeUndefined();
  });
});
