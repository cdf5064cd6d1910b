import { count } from '../usage';
import type { TokenUsage } from '../usage';

/** Where one OpenAI API puts its counts. */
interface UsageFields {
  input: string;
  output: string;
  inputDetails: string;
  outputDetails: string;
}

const CHAT_FIELDS: UsageFields = { input: 'prompt_tokens', output: 'completion_tokens', inputDetails: 'prompt_tokens_details', outputDetails: 'completion_tokens_details' };
const RESPONSES_FIELDS: UsageFields = { input: 'input_tokens', output: 'output_tokens', inputDetails: 'input_tokens_details', outputDetails: 'output_tokens_details' };

/**
 * OpenAI's usage is already in the normalised form: cached tokens are inside the input
 * count and reasoning tokens inside the output count. Only the field names differ by API.
 */
function fromInclusiveUsage(usage: unknown, fields: UsageFields): TokenUsage | undefined {
  if (typeof usage !== 'object' || usage === null) return undefined;
  const record = usage as Record<string, unknown>;
  const inputDetails = (record[fields.inputDetails] ?? {}) as Record<string, unknown>;
  const outputDetails = (record[fields.outputDetails] ?? {}) as Record<string, unknown>;
  const inputTokens = count(record[fields.input]);
  const outputTokens = count(record[fields.output]);
  return {
    inputTokens,
    outputTokens,
    cachedInputTokens: Math.min(count(inputDetails?.cached_tokens), inputTokens),
    cacheCreationInputTokens: 0,
    reasoningTokens: Math.min(count(outputDetails?.reasoning_tokens), outputTokens),
    totalTokens: inputTokens + outputTokens,
  };
}

/** Chat Completions (and embeddings, which report only prompt_tokens) usage → normalised usage. */
export function fromOpenAIUsage(usage: unknown): TokenUsage | undefined {
  return fromInclusiveUsage(usage, CHAT_FIELDS);
}

/** Responses API usage → normalised usage. */
export function fromResponsesUsage(usage: unknown): TokenUsage | undefined {
  return fromInclusiveUsage(usage, RESPONSES_FIELDS);
}
