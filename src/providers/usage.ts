/**
 * One request's token usage, normalised across providers.
 *
 * Invariants (checked by `checkUsage` and the tests):
 * - `inputTokens` counts every prompt token, including `cachedInputTokens` and
 *   `cacheCreationInputTokens` (OpenAI's semantics; Anthropic's `input_tokens` must be
 *   summed with its cache fields to get here).
 * - `outputTokens` counts every generated token, including `reasoningTokens`.
 * - `totalTokens` = `inputTokens` + `outputTokens`.
 */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  cacheCreationInputTokens: number;
  reasoningTokens: number;
  totalTokens: number;
}

/** A usage record with every count at zero. */
export function emptyUsage(): TokenUsage {
  return { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, cacheCreationInputTokens: 0, reasoningTokens: 0, totalTokens: 0 };
}

/** Returns the list of broken invariants (empty when the record is consistent). */
export function checkUsage(usage: TokenUsage): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(usage)) {
    if (!Number.isInteger(value) || value < 0) problems.push(`${name} must be a non-negative integer`);
  }
  if (usage.cachedInputTokens + usage.cacheCreationInputTokens > usage.inputTokens) {
    problems.push('cached and cache-creation tokens are part of inputTokens');
  }
  if (usage.reasoningTokens > usage.outputTokens) problems.push('reasoningTokens are part of outputTokens');
  if (usage.totalTokens !== usage.inputTokens + usage.outputTokens) problems.push('totalTokens = inputTokens + outputTokens');
  return problems;
}

/** Reads a non-negative integer from an untrusted provider value; anything else is 0. */
export function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}
