import { invalidRequest } from '../../errors';
import type { AnthropicContentBlock, AnthropicMessage, AnthropicTextBlock, AnthropicToolResultBlock, AnthropicToolUseBlock } from './anthropic-types';
import { convertContent, convertTextContent } from './convert-openai-content';
import { isRecord, isSet } from './json-guards';

/** OpenAI messages split the Anthropic way: a top-level system prompt and alternating turns. */
export interface ConvertedMessages {
  system: AnthropicTextBlock[];
  messages: AnthropicMessage[];
}

/** Tool-call arguments as the JSON object Anthropic's `input` must be. */
function parseArguments(text: unknown, param: string): Record<string, unknown> {
  if (typeof text !== 'string') throw invalidRequest(`${param} must be a string of JSON.`, param);
  // Some clients send "" for a tool without parameters; that means no arguments.
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidRequest(`${param} is not valid JSON.`, param);
  }
  if (!isRecord(parsed)) throw invalidRequest(`${param} must be a JSON object: Anthropic tool inputs are objects.`, param);
  return parsed;
}

function toolUses(toolCalls: unknown, param: string): AnthropicToolUseBlock[] {
  if (!isSet(toolCalls)) return [];
  if (!Array.isArray(toolCalls)) throw invalidRequest(`${param}.tool_calls must be an array.`, `${param}.tool_calls`);
  return toolCalls.map((call: unknown, index): AnthropicToolUseBlock => {
    const callParam = `${param}.tool_calls[${index}]`;
    if (!isRecord(call) || (isSet(call.type) && call.type !== 'function')) {
      throw invalidRequest(`${callParam} must be a function tool call.`, callParam);
    }
    const called = call.function;
    if (typeof call.id !== 'string' || call.id === '' || !isRecord(called) || typeof called.name !== 'string') {
      throw invalidRequest(`${callParam} needs an id and a function name.`, callParam);
    }
    return { type: 'tool_use', id: call.id, name: called.name, input: parseArguments(called.arguments, `${callParam}.function.arguments`) };
  });
}

function toolResult(message: Record<string, unknown>, param: string): AnthropicToolResultBlock {
  if (typeof message.tool_call_id !== 'string' || message.tool_call_id === '') {
    throw invalidRequest(`${param}.tool_call_id must be a non-empty string.`, `${param}.tool_call_id`);
  }
  const block: AnthropicToolResultBlock = { type: 'tool_result', tool_use_id: message.tool_call_id };
  // `content` is optional on tool_result; a string stays a string, parts become text blocks.
  if (typeof message.content === 'string') {
    if (message.content !== '') block.content = message.content;
  } else {
    const blocks = convertTextContent(message.content, param, 'tool');
    if (blocks.length > 0) block.content = blocks;
  }
  return block;
}

/**
 * OpenAI chat messages → Anthropic's `system` and `messages`. System and developer messages
 * (wherever they are) join the top-level system prompt in order; tool results become
 * tool_result blocks in a user turn; consecutive turns of one role merge, because Anthropic
 * requires user and assistant to alternate.
 */
export function convertOpenAIMessages(messages: readonly unknown[]): ConvertedMessages {
  const system: AnthropicTextBlock[] = [];
  const turns: AnthropicMessage[] = [];
  const append = (role: AnthropicMessage['role'], blocks: AnthropicContentBlock[]): void => {
    if (blocks.length === 0) return;
    const last = turns[turns.length - 1];
    if (last !== undefined && last.role === role) last.content.push(...blocks);
    else turns.push({ role, content: blocks });
  };
  messages.forEach((message: unknown, index) => {
    const param = `messages[${index}]`;
    if (!isRecord(message)) throw invalidRequest(`${param} must be an object.`, param);
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(...convertTextContent(message.content, param, 'system'));
        break;
      case 'user':
        append('user', convertContent(message.content, param, 'user'));
        break;
      case 'assistant':
        append('assistant', [...convertContent(message.content, param, 'assistant'), ...toolUses(message.tool_calls, param)]);
        break;
      case 'tool':
        append('user', [toolResult(message, param)]);
        break;
      default:
        throw invalidRequest(`${param}.role: ${String(message.role)} messages cannot be sent to an anthropic backend.`, `${param}.role`);
    }
  });
  return { system, messages: turns };
}
