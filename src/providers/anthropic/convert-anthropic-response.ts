import type { TokenUsage } from '../usage';
import { emptyCounts, readAnthropicUsage, toOpenAIUsage, toTokenUsage } from './convert-anthropic-usage';
import { isRecord } from './json-guards';
import { mapAnthropicFinishReason } from './map-anthropic-finish-reason';
import type { OpenAIAssistantMessage, OpenAIChatCompletion, OpenAIToolCall } from './openai-chat-types';

/** A translated response and the usage it reported (undefined when it had none). */
export interface ConvertedResponse {
  body: OpenAIChatCompletion;
  usage: TokenUsage | undefined;
}

/** OpenAI completion ids start with `chatcmpl-`; Anthropic's message id keeps them traceable. */
export function completionId(messageId: unknown): string {
  return `chatcmpl-${typeof messageId === 'string' ? messageId : ''}`;
}

function toolCallOf(block: Record<string, unknown>): OpenAIToolCall {
  return {
    id: typeof block.id === 'string' ? block.id : '',
    type: 'function',
    function: { name: typeof block.name === 'string' ? block.name : '', arguments: JSON.stringify(block.input ?? {}) },
  };
}

/**
 * An Anthropic message (Messages API reference, response body) as an OpenAI
 * `chat.completion`: text blocks joined into `content`, tool_use blocks as `tool_calls`,
 * thinking blocks joined into `reasoning_content`. Redacted thinking and server-tool blocks
 * have no OpenAI counterpart and are left out. Returns undefined for a body that is not a message.
 */
export function convertAnthropicResponse(message: unknown, created: number): ConvertedResponse | undefined {
  if (!isRecord(message) || message.type !== 'message') return undefined;
  const blocks = (Array.isArray(message.content) ? message.content : []).filter(isRecord);
  const texts: string[] = [];
  const thoughts: string[] = [];
  const toolCalls: OpenAIToolCall[] = [];
  for (const block of blocks) {
    if (block.type === 'text' && typeof block.text === 'string') texts.push(block.text);
    else if (block.type === 'thinking' && typeof block.thinking === 'string') thoughts.push(block.thinking);
    else if (block.type === 'tool_use') toolCalls.push(toolCallOf(block));
  }
  const reply: OpenAIAssistantMessage = {
    role: 'assistant',
    content: texts.length > 0 ? texts.join('') : null,
    ...(thoughts.length > 0 ? { reasoning_content: thoughts.join('') } : {}),
    refusal: null,
    ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
  };
  const counts = emptyCounts();
  const usage = readAnthropicUsage(message.usage, counts) ? toTokenUsage(counts) : undefined;
  const body: OpenAIChatCompletion = {
    id: completionId(message.id),
    object: 'chat.completion',
    created,
    model: typeof message.model === 'string' ? message.model : '',
    system_fingerprint: null,
    choices: [{ index: 0, message: reply, logprobs: null, finish_reason: mapAnthropicFinishReason(message.stop_reason) }],
    ...(usage ? { usage: toOpenAIUsage(usage) } : {}),
  };
  return { body, usage };
}
