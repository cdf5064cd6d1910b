import { isRecord } from '../anthropic/json-guards';
import { count } from '../usage';
import type { TokenUsage } from '../usage';

/**
 * Gemini `usageMetadata` (https://ai.google.dev/api/generate-content#UsageMetadata) →
 * normalised usage (see usage.ts). Gemini counts thoughts apart: `thoughtsTokenCount` is not
 * in `candidatesTokenCount`, while OpenAI's completion tokens include reasoning, so output is
 * their sum. `promptTokenCount` already includes `cachedContentTokenCount`; prompts of tool use
 * (`toolUsePromptTokenCount`, e.g. code execution) are input too, so totals match Gemini's
 * `totalTokenCount`. Undefined when there is no usageMetadata object.
 */
export function readGeminiUsage(metadata: unknown): TokenUsage | undefined {
  if (!isRecord(metadata)) return undefined;
  const inputTokens = count(metadata.promptTokenCount) + count(metadata.toolUsePromptTokenCount);
  const reasoningTokens = count(metadata.thoughtsTokenCount);
  const outputTokens = count(metadata.candidatesTokenCount) + reasoningTokens;
  return {
    inputTokens,
    outputTokens,
    cachedInputTokens: Math.min(count(metadata.cachedContentTokenCount), inputTokens),
    cacheCreationInputTokens: 0,
    reasoningTokens,
    totalTokens: inputTokens + outputTokens,
  };
}
