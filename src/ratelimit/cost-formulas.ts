import { Environment } from '@marcbachmann/cel-js';
import type { TokenUsage } from '../providers/usage';

/** The variables a cost formula sees: token counts as CEL ints, model and backend as strings. */
const INT_VARIABLES = ['input_tokens', 'output_tokens', 'cached_input_tokens', 'cache_creation_input_tokens', 'reasoning_tokens', 'total_tokens'] as const;

function environment(): Environment {
  const env = new Environment();
  for (const name of INT_VARIABLES) env.registerVariable(name, 'int');
  env.registerVariable('model', 'string');
  env.registerVariable('backend', 'string');
  return env;
}

/** A compiled cost formula: usage (and model, backend) → a non-negative whole amount. */
export type CostFormula = (usage: TokenUsage, model: string, backend: string) => number;

/** Why a formula cannot be used, or undefined when it can: checked once, at config load. */
export function formulaProblem(expression: string): string | undefined {
  const checked = environment().check(expression);
  if (!checked.valid) return checked.error?.message ?? 'not a valid CEL expression';
  if (!['int', 'uint', 'double'].includes(checked.type ?? '')) return `must evaluate to a number, not ${checked.type ?? 'unknown'}`;
  return undefined;
}

/**
 * Compiles a CEL expression over input_tokens, output_tokens, cached_input_tokens,
 * cache_creation_input_tokens, reasoning_tokens, total_tokens (ints), model and backend
 * (strings), e.g. `input_tokens + 4 * output_tokens` or
 * `model == "gpt-4o" ? total_tokens * 2 : total_tokens`. CEL has no loops or side effects, so a
 * formula always ends quickly. Results are rounded up; negative ones count as 0.
 */
export function compileFormula(expression: string): CostFormula {
  const evaluate = environment().parse(expression);
  return (usage, model, backend) => {
    const value: unknown = evaluate({
      input_tokens: BigInt(usage.inputTokens),
      output_tokens: BigInt(usage.outputTokens),
      cached_input_tokens: BigInt(usage.cachedInputTokens),
      cache_creation_input_tokens: BigInt(usage.cacheCreationInputTokens),
      reasoning_tokens: BigInt(usage.reasoningTokens),
      total_tokens: BigInt(usage.totalTokens),
      model,
      backend,
    });
    const number = typeof value === 'bigint' ? Number(value) : typeof value === 'number' ? value : Number.NaN;
    return Number.isFinite(number) ? Math.max(0, Math.ceil(number)) : 0;
  };
}
