import { invalidRequest } from '../../errors';
import type { AnthropicMessage, AnthropicThinking, AnthropicToolChoice } from './anthropic-types';
import { isSet } from './json-guards';

/** Thinking budgets per OpenAI effort; Anthropic's minimum budget is 1024 tokens. */
const BUDGETS: ReadonlyMap<string, number> = new Map([
  ['low', 1024],
  ['medium', 4096],
  ['high', 16384],
]);
const NO_THINKING = ['none', 'minimal'];

/**
 * Whether the request continues an assistant turn: the last assistant message comes after
 * the last user message of the client's own (one that is not only tool results), as in a
 * tool loop or a prefill. With thinking on, Anthropic then requires that assistant message
 * to start with its signed thinking block ("a final assistant message must start with a
 * thinking block", extended-thinking guide), which OpenAI clients never send back.
 */
function continuesAssistantTurn(messages: readonly AnthropicMessage[]): boolean {
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index];
    if (message.role === 'assistant') return true;
    if (!message.content.some((block) => block.type === 'tool_result')) return false;
  }
  return false;
}

/**
 * The thinking budget an OpenAI `reasoning_effort` asks of Claude; undefined for no thinking
 * (none, minimal, unset) and for an effort the translation refuses. Bedrock's Converse
 * translation uses the same budgets, and rate limits reserve output by them.
 */
export function claudeThinkingBudget(effort: unknown): number | undefined {
  return typeof effort === 'string' ? BUDGETS.get(effort) : undefined;
}

/** What decides whether thinking can be turned on. */
export interface ThinkingContext {
  readonly messages: readonly AnthropicMessage[];
  readonly toolChoice?: AnthropicToolChoice;
}

/**
 * OpenAI `reasoning_effort` → Anthropic extended thinking with a budget (low 1024, medium
 * 4096, high 16384; none and minimal mean no thinking). Where Anthropic would reject thinking
 * with 400 — forced tool use, or a continued assistant turn — it is dropped with a warning,
 * since the answer is still right without it. The caller keeps max_tokens above the budget.
 */
export function convertReasoningEffort(effort: unknown, context: ThinkingContext, warnings: string[]): AnthropicThinking | undefined {
  if (!isSet(effort) || (typeof effort === 'string' && NO_THINKING.includes(effort))) return undefined;
  const budget = claudeThinkingBudget(effort);
  if (budget === undefined) {
    throw invalidRequest('reasoning_effort must be one of none, minimal, low, medium, high.', 'reasoning_effort', 'unsupported_value');
  }
  const forced = context.toolChoice?.type;
  if (forced === 'any' || forced === 'tool') {
    // Extended-thinking guide: thinking supports only tool_choice auto or none.
    warnings.push('dropped reasoning_effort: anthropic cannot think when tool_choice forces a tool call');
    return undefined;
  }
  if (continuesAssistantTurn(context.messages)) {
    warnings.push('dropped reasoning_effort: anthropic needs the signed thinking block of the turn being continued');
    return undefined;
  }
  return { type: 'enabled', budget_tokens: budget };
}
