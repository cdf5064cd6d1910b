import { count } from '../usage';
import type { TokenUsage } from '../usage';

/**
 * OpenAI usage → normalised usage. OpenAI's `cached_tokens` are already inside
 * `prompt_tokens` and `reasoning_tokens` inside `completion_tokens`, which is exactly the
 * normalised form. Embeddings report only `prompt_tokens` and `total_tokens`.
 */
export function fromOpenAIUsage(usage: unknown): TokenUsage | undefined {
  if (typeof usage !== 'object' || usage === null) return undefined;
  const record = usage as Record<string, unknown>;
  const promptDetails = (record.prompt_tokens_details ?? {}) as Record<string, unknown>;
  const completionDetails = (record.completion_tokens_details ?? {}) as Record<string, unknown>;
  const inputTokens = count(record.prompt_tokens);
  const outputTokens = count(record.completion_tokens);
  return {
    inputTokens,
    outputTokens,
    cachedInputTokens: Math.min(count(promptDetails?.cached_tokens), inputTokens),
    cacheCreationInputTokens: 0,
    reasoningTokens: Math.min(count(completionDetails?.reasoning_tokens), outputTokens),
    totalTokens: inputTokens + outputTokens,
  };
}

/**
 * Responses API usage → normalised usage. Same inclusive semantics as Chat Completions
 * (cached inside input, reasoning inside output), other field names.
 */
export function fromResponsesUsage(usage: unknown): TokenUsage | undefined {
  if (typeof usage !== 'object' || usage === null) return undefined;
  const record = usage as Record<string, unknown>;
  const inputDetails = (record.input_tokens_details ?? {}) as Record<string, unknown>;
  const outputDetails = (record.output_tokens_details ?? {}) as Record<string, unknown>;
  const inputTokens = count(record.input_tokens);
  const outputTokens = count(record.output_tokens);
  return {
    inputTokens,
    outputTokens,
    cachedInputTokens: Math.min(count(inputDetails?.cached_tokens), inputTokens),
    cacheCreationInputTokens: 0,
    reasoningTokens: Math.min(count(outputDetails?.reasoning_tokens), outputTokens),
    totalTokens: inputTokens + outputTokens,
  };
}
