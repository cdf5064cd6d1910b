/**
 * The history rules of Gemini and OpenAI chat completions that a history another provider
 * wrote can break, so that it fails a test here as it fails against the real API. Messages
 * are each API's 400 texts as clients have reported them.
 */
import { DUMMY_THOUGHT_SIGNATURE } from '../providers/gemini/gemini-thought-signatures';
import { isFakeThoughtSignature } from './signatures';
import type { GeminiEndpoint } from './signatures';
import { isRecord } from './tokens';

function partsOf(content: unknown): Array<Record<string, unknown>> {
  return isRecord(content) && Array.isArray(content.parts) ? content.parts.filter(isRecord) : [];
}

/**
 * Gemini's rules: the function responses of a turn match the function calls of the model turn
 * before it in number; and, for Gemini 3 models, the first functionCall part of each model step
 * of the current turn (since the user's last own message) carries a thought signature that this
 * endpoint issued, or the documented dummy (thought signatures guide).
 */
export function geminiTurnViolation(json: Record<string, unknown>, model: string, endpoint: GeminiEndpoint): string | undefined {
  const contents: unknown[] = Array.isArray(json.contents) ? json.contents : [];
  for (let index = 1; index < contents.length; index++) {
    const responses = partsOf(contents[index]).filter((part) => 'functionResponse' in part).length;
    const calls = partsOf(contents[index - 1]).filter((part) => 'functionCall' in part).length;
    if (responses > 0 && responses !== calls) {
      return 'Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.';
    }
  }
  if (!model.startsWith('gemini-3')) return undefined;
  let start = 0;
  contents.forEach((content, index) => {
    if (isRecord(content) && content.role === 'user' && partsOf(content).some((part) => !('functionResponse' in part))) start = index + 1;
  });
  for (let index = start; index < contents.length; index++) {
    const content = contents[index];
    if (!isRecord(content) || content.role !== 'model') continue;
    const parts = partsOf(content);
    const position = parts.findIndex((part) => 'functionCall' in part);
    if (position < 0) continue;
    const { functionCall, thoughtSignature } = parts[position];
    const name = isRecord(functionCall) ? String(functionCall.name) : '';
    if (thoughtSignature === undefined) {
      return `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${name}\` , position ${index + 1}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`;
    }
    if (thoughtSignature !== DUMMY_THOUGHT_SIGNATURE && !isFakeThoughtSignature(endpoint, thoughtSignature)) {
      return `Corrupted thought signature. Function call \`default_api:${name}\`, position ${index + 1}.`;
    }
  }
  return undefined;
}

/** An OpenAI 400 found in a chat history: the message and the `param` it names. */
export interface ChatViolation {
  readonly message: string;
  readonly param: string | null;
}

function callIds(message: Record<string, unknown>): string[] {
  if (!Array.isArray(message.tool_calls)) return [];
  return message.tool_calls.map((call: unknown) => (isRecord(call) ? String(call.id) : ''));
}

/**
 * OpenAI's rules for tool calls in a chat history: tool-call ids at most 40 characters (see
 * src/providers/identifier-rules.ts); every tool message answers a call of the assistant message
 * before the run of tool messages it is in; every call of an assistant message that is not the
 * last is answered before the next other message.
 */
export function openAIChatViolation(json: Record<string, unknown>): ChatViolation | undefined {
  const messages = Array.isArray(json.messages) ? json.messages.filter(isRecord) : [];
  let open: string[] | undefined;
  for (const [index, message] of messages.entries()) {
    const ids = callIds(message);
    const long = ids.findIndex((id) => id.length > 40);
    if (long >= 0) {
      return {
        message: `Invalid 'messages[${index}].tool_calls[${long}].id': string too long. Expected a string with maximum length 40, but got a string with length ${ids[long].length} instead.`,
        param: `messages.[${index}].tool_calls.[${long}].id`,
      };
    }
    if (message.role === 'tool') {
      if (open === undefined || !open.includes(String(message.tool_call_id))) {
        return { message: "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.", param: `messages.[${index}].role` };
      }
      open = open.filter((id) => id !== message.tool_call_id);
      continue;
    }
    if (open !== undefined && open.length > 0) {
      return {
        message: `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${open.join(', ')}`,
        param: 'messages',
      };
    }
    open = message.role === 'assistant' && ids.length > 0 ? ids : undefined;
  }
  return undefined;
}
