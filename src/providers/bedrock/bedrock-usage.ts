import { count } from '../usage';
import type { TokenUsage } from '../usage';
import { isRecord } from '../anthropic/json-guards';

/**
 * A Converse `usage` (TokenUsage reference,
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_TokenUsage.html) in the
 * gateway's normalised form; undefined when there is none. Bedrock's `inputTokens` excludes
 * the tokens read from and written to the prompt cache, which it reports apart as
 * `cacheReadInputTokens` and `cacheWriteInputTokens` (its `totalTokens` is the sum of all
 * four; prompt caching user guide), just as Anthropic's input_tokens do — so inputTokens adds
 * both back. Converse reports no reasoning token count, so reasoningTokens is 0.
 */
export function readBedrockUsage(usage: unknown): TokenUsage | undefined {
  if (!isRecord(usage)) return undefined;
  const cacheRead = count(usage.cacheReadInputTokens);
  const cacheWrite = count(usage.cacheWriteInputTokens);
  const inputTokens = count(usage.inputTokens) + cacheRead + cacheWrite;
  const outputTokens = count(usage.outputTokens);
  return {
    inputTokens,
    outputTokens,
    cachedInputTokens: cacheRead,
    cacheCreationInputTokens: cacheWrite,
    reasoningTokens: 0,
    totalTokens: inputTokens + outputTokens,
  };
}
