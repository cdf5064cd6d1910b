import { isRecord, isSet, parseJson } from '../anthropic/json-guards';
import type { TokenUsage } from '../usage';
import type { AnthropicMessageBody, AnthropicOutputBlock, AnthropicOutputUsage, AnthropicStopReason } from './anthropic-to-openai-types';
import { fromOpenAIUsage } from './openai-usage';

/** A translated response and the usage it reported (undefined when it had none). */
export interface ConvertedAnthropicResponse {
  body: AnthropicMessageBody;
  usage: TokenUsage | undefined;
}

/** Anthropic message ids start with `msg_`; OpenAI's id, without its `chatcmpl-`, keeps them traceable. */
export function messageId(openAIId: unknown, fallback: string): string {
  const id = typeof openAIId === 'string' && openAIId !== '' ? openAIId : fallback;
  return `msg_${id.replace(/^chatcmpl-/, '')}`;
}

/** What else the message held, which decides a stop reason the finish_reason alone does not. */
export interface StopContext {
  readonly toolCalls: boolean;
  readonly refused: boolean;
}

/**
 * OpenAI `finish_reason` → Anthropic `stop_reason` (stop reasons: Messages API reference).
 * A `stop` caused by a stop sequence looks like any other stop in OpenAI's answer, so it
 * becomes end_turn, never stop_sequence. Some OpenAI-compatible servers end tool calls
 * with `stop`; Anthropic clients run tools only on `tool_use`, so tool calls decide. A
 * refusal (OpenAI's `refusal` field) is Anthropic's `refusal` stop.
 */
export function mapStopReason(finishReason: unknown, context: StopContext): AnthropicStopReason {
  if (context.refused || finishReason === 'content_filter') return 'refusal';
  if (finishReason === 'length') return 'max_tokens';
  if (finishReason === 'tool_calls' || context.toolCalls) return 'tool_use';
  return 'end_turn';
}

/**
 * Normalised usage in Anthropic's shape. Anthropic's `input_tokens` EXCLUDE cache reads
 * and writes (Messages API reference, usage), while OpenAI's `prompt_tokens` include
 * `cached_tokens`, so the cached part moves to `cache_read_input_tokens`. OpenAI reports
 * no cache writes. No usage reads as zeros: Anthropic's usage fields are not optional.
 */
export function toAnthropicUsage(usage: TokenUsage | undefined): AnthropicOutputUsage {
  if (!usage) return { input_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 };
  return {
    input_tokens: usage.inputTokens - usage.cachedInputTokens - usage.cacheCreationInputTokens,
    cache_creation_input_tokens: usage.cacheCreationInputTokens,
    cache_read_input_tokens: usage.cachedInputTokens,
    output_tokens: usage.outputTokens,
  };
}

/**
 * Visible reasoning text. OpenAI's own API returns none; OpenAI-compatible servers that do
 * use `reasoning_content` (DeepSeek, vLLM, LiteLLM) or, newer, `reasoning` (vLLM, OpenRouter).
 */
export function reasoningOf(message: Record<string, unknown>): string {
  if (typeof message.reasoning_content === 'string') return message.reasoning_content;
  return typeof message.reasoning === 'string' ? message.reasoning : '';
}

/** A tool call id for a server that sent none: tool_result blocks must name one. */
export function fallbackToolId(index: number): string {
  return `call_${index}`;
}

function toolUseOf(call: Record<string, unknown>, index: number): AnthropicOutputBlock {
  const called = isRecord(call.function) ? call.function : {};
  // Anthropic's input is an object; arguments that do not parse as one (truncated by
  // max_tokens, or "" for no arguments) read as no arguments.
  const input = typeof called.arguments === 'string' ? parseJson(called.arguments) : undefined;
  return {
    type: 'tool_use',
    id: typeof call.id === 'string' && call.id !== '' ? call.id : fallbackToolId(index),
    name: typeof called.name === 'string' ? called.name : '',
    input: isRecord(input) ? input : {},
  };
}

/**
 * An OpenAI `chat.completion` (Chat Completions reference, the chat completion object) as
 * an Anthropic message: reasoning as a thinking block (with an empty signature, since
 * OpenAI signs nothing), then the text, then one tool_use block per tool call. Returns
 * undefined for a body that is not a completion (an error object, HTML, ...).
 */
export function convertOpenAIResponse(completion: unknown, fallbackId: string): ConvertedAnthropicResponse | undefined {
  if (!isRecord(completion) || !Array.isArray(completion.choices) || isSet(completion.error)) return undefined;
  const choices = completion.choices.filter(isRecord);
  const choice = choices.find((candidate) => candidate.index === 0) ?? choices[0] ?? {};
  const message = isRecord(choice.message) ? choice.message : {};
  const content: AnthropicOutputBlock[] = [];
  const reasoning = reasoningOf(message);
  if (reasoning !== '') content.push({ type: 'thinking', thinking: reasoning, signature: '' });
  if (typeof message.content === 'string' && message.content !== '') content.push({ type: 'text', text: message.content });
  const refusal = typeof message.refusal === 'string' ? message.refusal : '';
  if (refusal !== '') content.push({ type: 'text', text: refusal });
  const toolUses = (Array.isArray(message.tool_calls) ? message.tool_calls : []).filter(isRecord).map(toolUseOf);
  content.push(...toolUses);
  const usage = fromOpenAIUsage(completion.usage);
  const body: AnthropicMessageBody = {
    id: messageId(completion.id, fallbackId),
    type: 'message',
    role: 'assistant',
    model: typeof completion.model === 'string' ? completion.model : '',
    content,
    stop_reason: mapStopReason(choice.finish_reason, { toolCalls: toolUses.length > 0, refused: refusal !== '' }),
    stop_sequence: null,
    usage: toAnthropicUsage(usage),
  };
  return { body, usage };
}
