import { invalidRequest } from '../../errors';
import type { GatewayError } from '../../errors';
import { isRecord, isSet } from '../anthropic/json-guards';
import type { OpenAIToolCall } from '../anthropic/openai-chat-types';
import type { OpenAIChatMessage, OpenAIImagePart, OpenAITextPart } from './anthropic-to-openai-types';

/** The one warning for every dropped `cache_control`, wherever the client put it. */
export const CACHE_CONTROL_WARNING = 'dropped cache_control: not supported by openai';
/** Anthropic continues a final assistant message (a prefill); OpenAI answers it with a new message instead. */
export const PREFILL_WARNING = 'sent the final assistant message as a previous turn: openai cannot continue a prefilled reply';

/**
 * Separate text blocks the client wrote (system prompt sections, tool result parts) become
 * one string, since this translation sends those as strings; a blank line keeps the pieces
 * apart instead of running their words together.
 */
const BLOCK_SEPARATOR = '\n\n';

/** What message conversion needs besides the messages: refusals name the backend; warnings collect (once each). */
export interface MessageContext {
  readonly backendName: string;
  readonly warnings: Set<string>;
}

/** Chat completions takes no reasoning back: Claude's signed thinking is only for Claude. */
export const REPLAYED_THINKING_WARNING = 'dropped thinking blocks of earlier turns: chat completions takes no replayed reasoning (they stay valid for Claude)';

/** OpenAI's Chat Completions API has no prompt caching controls (it caches on its own), so each marker is dropped. */
function noteCacheControl(block: Record<string, unknown>, context: MessageContext): void {
  if (isSet(block.cache_control)) context.warnings.add(CACHE_CONTROL_WARNING);
}

function unsupportedBlock(block: Record<string, unknown>, param: string, where: string, context: MessageContext): GatewayError {
  return invalidRequest(
    `${param}: ${String(block.type)} blocks cannot be sent to backend "${context.backendName}" (openai) in ${where}.`,
    param,
  );
}

function textOf(block: Record<string, unknown>, param: string): string {
  if (typeof block.text !== 'string') throw invalidRequest(`${param}.text must be a string.`, `${param}.text`);
  return block.text;
}

/** A message's content as a list of blocks; `param` names the list, e.g. `messages[2].content`. */
function blocksOf(content: unknown, param: string): Array<Record<string, unknown>> {
  if (!Array.isArray(content)) throw invalidRequest(`${param} must be a string or an array of content blocks.`, param);
  return content.map((block: unknown, index) => {
    if (!isRecord(block)) throw invalidRequest(`${param}[${index}] must be an object.`, `${param}[${index}]`);
    return block;
  });
}

/** Content that may only be text (system prompt, tool results), joined into one string. */
function joinedText(content: unknown, param: string, where: string, context: MessageContext): string {
  if (!isSet(content)) return '';
  if (typeof content === 'string') return content;
  const texts = blocksOf(content, param).map((block, index) => {
    const blockParam = `${param}[${index}]`;
    if (block.type !== 'text') throw unsupportedBlock(block, blockParam, where, context);
    noteCacheControl(block, context);
    return textOf(block, blockParam);
  });
  return texts.filter((text) => text !== '').join(BLOCK_SEPARATOR);
}

/**
 * An image block as an `image_url` part (Chat Completions reference, image content part):
 * base64 data becomes a data URL and a URL source is passed on for the backend to fetch.
 * Files API sources (`file`) exist only at Anthropic.
 */
function imagePart(block: Record<string, unknown>, param: string, context: MessageContext): OpenAIImagePart {
  const source = block.source;
  if (isRecord(source) && source.type === 'base64' && typeof source.media_type === 'string' && typeof source.data === 'string') {
    return { type: 'image_url', image_url: { url: `data:${source.media_type};base64,${source.data}` } };
  }
  if (isRecord(source) && source.type === 'url' && typeof source.url === 'string') return { type: 'image_url', image_url: { url: source.url } };
  throw invalidRequest(
    `${param}.source: only base64 and url image sources can be sent to backend "${context.backendName}" (openai).`,
    `${param}.source`,
  );
}

/**
 * A tool_result block as a `tool` message. OpenAI has no `is_error`: the result text is
 * sent as it is, and a failing tool's text usually says so itself.
 */
function toolMessage(block: Record<string, unknown>, param: string, context: MessageContext): OpenAIChatMessage {
  if (typeof block.tool_use_id !== 'string' || block.tool_use_id === '') {
    throw invalidRequest(`${param}.tool_use_id must be a non-empty string.`, `${param}.tool_use_id`);
  }
  return { role: 'tool', tool_call_id: block.tool_use_id, content: joinedText(block.content, `${param}.content`, 'a tool result', context) };
}

/**
 * A user turn. Tool results become `tool` messages placed first: OpenAI wants them right
 * after the assistant's tool calls, and Anthropic already requires tool_result blocks to
 * come before any other content of the turn (Messages API reference, tool use).
 */
function userMessages(content: unknown, param: string, context: MessageContext): OpenAIChatMessage[] {
  if (typeof content === 'string') return [{ role: 'user', content }];
  const toolMessages: OpenAIChatMessage[] = [];
  const parts: Array<OpenAITextPart | OpenAIImagePart> = [];
  blocksOf(content, `${param}.content`).forEach((block, index) => {
    const blockParam = `${param}.content[${index}]`;
    noteCacheControl(block, context);
    if (block.type === 'text') parts.push({ type: 'text', text: textOf(block, blockParam) });
    else if (block.type === 'image') parts.push(imagePart(block, blockParam, context));
    else if (block.type === 'tool_result') toolMessages.push(toolMessage(block, blockParam, context));
    // document, search_result, container_upload, ...: no Chat Completions content part carries them.
    else throw unsupportedBlock(block, blockParam, 'a user message', context);
  });
  return parts.length > 0 ? [...toolMessages, { role: 'user', content: parts }] : toolMessages;
}

function toolCall(block: Record<string, unknown>, param: string): OpenAIToolCall {
  if (typeof block.id !== 'string' || block.id === '' || typeof block.name !== 'string' || block.name === '') {
    throw invalidRequest(`${param} needs an id and a name.`, param);
  }
  if (isSet(block.input) && !isRecord(block.input)) throw invalidRequest(`${param}.input must be an object.`, `${param}.input`);
  return { id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } };
}

/**
 * An assistant turn: text blocks joined (they are pieces of one reply, e.g. split around
 * citations) and tool_use blocks as `tool_calls`. Thinking blocks are dropped without a
 * warning: OpenAI has no field to send reasoning back in, and its own reasoning is never
 * replayed either. A turn left with nothing to send is left out.
 */
function assistantMessages(content: unknown, param: string, context: MessageContext): OpenAIChatMessage[] {
  if (typeof content === 'string') return [{ role: 'assistant', content }];
  const texts: string[] = [];
  const toolCalls: OpenAIToolCall[] = [];
  blocksOf(content, `${param}.content`).forEach((block, index) => {
    const blockParam = `${param}.content[${index}]`;
    noteCacheControl(block, context);
    if (block.type === 'text') texts.push(textOf(block, blockParam));
    else if (block.type === 'tool_use') toolCalls.push(toolCall(block, blockParam));
    else if (block.type === 'thinking' || block.type === 'redacted_thinking') context.warnings.add(REPLAYED_THINKING_WARNING);
    else throw unsupportedBlock(block, blockParam, 'an assistant message', context);
  });
  if (texts.length === 0 && toolCalls.length === 0) return [];
  // `content: null` next to tool calls is how OpenAI itself returns such a message.
  const message: OpenAIChatMessage = { role: 'assistant', content: texts.length > 0 ? texts.join('') : null };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return [message];
}

/** Anthropic's top-level `system` (a string or text blocks) as the first, `system` message. */
export function convertSystem(system: unknown, context: MessageContext): OpenAIChatMessage[] {
  const text = joinedText(system, 'system', 'the system prompt', context);
  return text === '' ? [] : [{ role: 'system', content: text }];
}

/**
 * Anthropic `messages` → OpenAI chat messages (Messages API reference → Chat Completions
 * reference). Throws a 400 GatewayError, naming the block, for content OpenAI cannot take.
 */
export function convertMessages(messages: readonly unknown[], context: MessageContext): OpenAIChatMessage[] {
  const converted = messages.flatMap((message: unknown, index) => {
    const param = `messages[${index}]`;
    if (!isRecord(message)) throw invalidRequest(`${param} must be an object.`, param);
    if (message.role === 'user') return userMessages(message.content, param, context);
    if (message.role === 'assistant') return assistantMessages(message.content, param, context);
    throw invalidRequest(`${param}.role must be "user" or "assistant".`, `${param}.role`);
  });
  const last = messages[messages.length - 1];
  if (isRecord(last) && last.role === 'assistant') context.warnings.add(PREFILL_WARNING);
  return converted;
}
