import { count } from '../usage';
import type { TokenUsage } from '../usage';
import { isRecord, isSet } from './json-guards';
import type { OpenAIUsage } from './openai-chat-types';

/** Anthropic's counts as last reported, before normalising. */
export interface AnthropicUsageCounts {
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
  thinking: number;
}

/** Counts before any usage arrived. */
export function emptyCounts(): AnthropicUsageCounts {
  return { input: 0, output: 0, cacheRead: 0, cacheCreation: 0, thinking: 0 };
}

/**
 * Reads an Anthropic `usage` object into `counts`; false when there is none. Each field
 * present overwrites, never adds: message_delta.usage is cumulative, and fields it leaves
 * out (input and cache counts, usually) keep message_start's values (streaming guide).
 */
export function readAnthropicUsage(usage: unknown, counts: AnthropicUsageCounts): boolean {
  if (!isRecord(usage)) return false;
  if (isSet(usage.input_tokens)) counts.input = count(usage.input_tokens);
  if (isSet(usage.output_tokens)) counts.output = count(usage.output_tokens);
  if (isSet(usage.cache_read_input_tokens)) counts.cacheRead = count(usage.cache_read_input_tokens);
  if (isSet(usage.cache_creation_input_tokens)) counts.cacheCreation = count(usage.cache_creation_input_tokens);
  const details = usage.output_tokens_details;
  if (isRecord(details) && isSet(details.thinking_tokens)) counts.thinking = count(details.thinking_tokens);
  return true;
}

/**
 * Normalised usage (see usage.ts): Anthropic's input_tokens exclude cache reads and writes,
 * so inputTokens adds both back. Thinking tokens are part of output_tokens; they are known
 * only when Anthropic reports `output_tokens_details.thinking_tokens`, else 0.
 */
export function toTokenUsage(counts: AnthropicUsageCounts): TokenUsage {
  const inputTokens = counts.input + counts.cacheRead + counts.cacheCreation;
  return {
    inputTokens,
    outputTokens: counts.output,
    cachedInputTokens: counts.cacheRead,
    cacheCreationInputTokens: counts.cacheCreation,
    reasoningTokens: Math.min(counts.thinking, counts.output),
    totalTokens: inputTokens + counts.output,
  };
}

/** Normalised usage in OpenAI's `usage` shape, which has the same inclusive semantics. */
export function toOpenAIUsage(usage: TokenUsage): OpenAIUsage {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.totalTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedInputTokens },
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens },
  };
}
