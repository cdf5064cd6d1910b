import { invalidRequest } from '../../errors';
import { isRecord, isSet, parseJson } from '../anthropic/json-guards';
import type { BedrockCachePointBlock, BedrockContentBlock, BedrockImageFormat, BedrockMessage, BedrockSystemBlock, BedrockTextBlock } from './bedrock-types';

const DATA_URL = /^data:([^;,]+);base64,(.*)$/s;
/** Media types → Converse ImageBlock `format` (ImageBlock reference: png, jpeg, gif, webp). */
export const IMAGE_FORMATS: ReadonlyMap<string, BedrockImageFormat> = new Map([
  ['image/png', 'png'],
  ['image/jpeg', 'jpeg'],
  ['image/jpg', 'jpeg'],
  ['image/gif', 'gif'],
  ['image/webp', 'webp'],
]);

/** OpenAI messages split the Converse way: `system` blocks and user / assistant turns. */
export interface ConvertedBedrockMessages {
  system: BedrockSystemBlock[];
  messages: BedrockMessage[];
}

/** The checkpoint a `cache_control` breakpoint becomes (the only type Converse has). */
export const CACHE_POINT: BedrockCachePointBlock = { cachePoint: { type: 'default' } };

/** Whether a content part (or tool, or message) carries an Anthropic-style `cache_control` breakpoint. */
export function marksCache(value: unknown): boolean {
  return isRecord(value) && isRecord(value.cache_control);
}

/**
 * An OpenAI `image_url` part as a Converse image. Converse reads inline bytes or an S3
 * location only (ImageSource reference); the gateway never fetches URLs for a client, so an
 * https URL is refused with 400.
 */
function imageBlock(part: Record<string, unknown>, param: string): BedrockContentBlock {
  const image = part.image_url;
  const url = isRecord(image) ? image.url : image;
  if (typeof url !== 'string') throw invalidRequest(`${param}.image_url.url must be a string.`, `${param}.image_url`);
  const data = DATA_URL.exec(url);
  if (!data) {
    throw invalidRequest(
      `${param}.image_url: only base64 data URLs (data:image/png;base64,...) can be sent to a bedrock backend; it does not fetch image URLs.`,
      `${param}.image_url`,
    );
  }
  const format = IMAGE_FORMATS.get(data[1].toLowerCase());
  if (format === undefined) throw invalidRequest(`${param}.image_url: bedrock accepts png, jpeg, gif and webp images, not ${data[1]}.`, `${param}.image_url`);
  return { image: { format, source: { bytes: data[2] } } };
}

/** A text block, or none for empty text: Converse rejects blank text blocks (ValidationException). */
function textBlocks(text: string): BedrockTextBlock[] {
  return text === '' ? [] : [{ text }];
}

function partBlocks(part: unknown, param: string, images: boolean): BedrockContentBlock[] {
  if (!isRecord(part)) throw invalidRequest(`${param} must be an object.`, param);
  const checkpoint = marksCache(part) ? [CACHE_POINT] : [];
  if (part.type === 'text') {
    if (typeof part.text !== 'string') throw invalidRequest(`${param}.text must be a string.`, `${param}.text`);
    return [...textBlocks(part.text), ...checkpoint];
  }
  // A replayed assistant turn may hold its refusal; it was text the model wrote.
  if (part.type === 'refusal' && typeof part.refusal === 'string') return textBlocks(part.refusal);
  if (part.type === 'image_url' && images) return [imageBlock(part, param), ...checkpoint];
  throw invalidRequest(`${param}.type: content parts of type ${String(part.type)} cannot be sent to a bedrock backend here.`, `${param}.type`);
}

function contentBlocks(content: unknown, param: string, images: boolean): BedrockContentBlock[] {
  if (!isSet(content)) return [];
  if (typeof content === 'string') return textBlocks(content);
  if (!Array.isArray(content)) throw invalidRequest(`${param}.content must be a string or an array of content parts.`, `${param}.content`);
  return content.flatMap((part: unknown, index) => partBlocks(part, `${param}.content[${index}]`, images));
}

/** Content that may only be text (system prompts, tool results), joined. */
function plainText(content: unknown, param: string): string {
  return contentBlocks(content, param, false)
    .map((block) => ('text' in block ? block.text : ''))
    .join('');
}

/** Tool-call arguments as the JSON object a ToolUseBlock's `input` is. */
function parseArguments(text: unknown, param: string): Record<string, unknown> {
  if (typeof text !== 'string') throw invalidRequest(`${param} must be a string of JSON.`, param);
  // Some clients send "" for a tool without parameters; that means no arguments.
  if (text.trim() === '') return {};
  const parsed = parseJson(text);
  if (!isRecord(parsed)) throw invalidRequest(`${param} must be a JSON object: Bedrock tool inputs are objects.`, param);
  return parsed;
}

function toolUses(toolCalls: unknown, param: string): BedrockContentBlock[] {
  if (!isSet(toolCalls)) return [];
  if (!Array.isArray(toolCalls)) throw invalidRequest(`${param}.tool_calls must be an array.`, `${param}.tool_calls`);
  return toolCalls.map((call: unknown, index): BedrockContentBlock => {
    const callParam = `${param}.tool_calls[${index}]`;
    if (!isRecord(call) || (isSet(call.type) && call.type !== 'function')) throw invalidRequest(`${callParam} must be a function tool call.`, callParam);
    const called = call.function;
    if (typeof call.id !== 'string' || call.id === '' || !isRecord(called) || typeof called.name !== 'string') {
      throw invalidRequest(`${callParam} needs an id and a function name.`, callParam);
    }
    return { toolUse: { toolUseId: call.id, name: called.name, input: parseArguments(called.arguments, `${callParam}.function.arguments`) } };
  });
}

/** A tool result; a breakpoint on any of its parts puts a checkpoint after the whole result. */
function toolResult(message: Record<string, unknown>, param: string): BedrockContentBlock[] {
  const id = message.tool_call_id;
  if (typeof id !== 'string' || id === '') throw invalidRequest(`${param}.tool_call_id must be a non-empty string.`, `${param}.tool_call_id`);
  const cached = marksCache(message) || (Array.isArray(message.content) && message.content.some(marksCache));
  return [{ toolResult: { toolUseId: id, content: [{ text: plainText(message.content, param) }] } }, ...(cached ? [CACHE_POINT] : [])];
}

/** System text, each part's breakpoint kept as a checkpoint after it. */
function systemBlocks(content: unknown, param: string): BedrockSystemBlock[] {
  return contentBlocks(content, param, false).filter((block): block is BedrockSystemBlock => 'text' in block || 'cachePoint' in block);
}

/**
 * OpenAI chat messages → Converse `system` and `messages`. System and developer messages
 * (wherever they are) become system blocks in order; tool results become toolResult blocks of
 * a user turn; consecutive turns of one role merge, since Converse wants user and assistant
 * turns to alternate (Message reference) and parallel results answered in one user turn.
 */
export function convertOpenAIMessagesToBedrock(messages: readonly unknown[]): ConvertedBedrockMessages {
  const system: BedrockSystemBlock[] = [];
  const converted: BedrockMessage[] = [];
  const append = (role: BedrockMessage['role'], content: BedrockContentBlock[]): void => {
    if (content.length === 0) return;
    const last = converted[converted.length - 1];
    if (last !== undefined && last.role === role) last.content.push(...content);
    else converted.push({ role, content });
  };
  messages.forEach((message: unknown, index) => {
    const param = `messages[${index}]`;
    if (!isRecord(message)) throw invalidRequest(`${param} must be an object.`, param);
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(...systemBlocks(message.content, param));
        break;
      case 'user':
        append('user', contentBlocks(message.content, param, true));
        break;
      case 'assistant':
        append('assistant', [...contentBlocks(message.content, param, false), ...toolUses(message.tool_calls, param)]);
        break;
      case 'tool':
        append('user', toolResult(message, param));
        break;
      default:
        throw invalidRequest(`${param}.role: ${String(message.role)} messages cannot be sent to a bedrock backend.`, `${param}.role`);
    }
  });
  return { system, messages: converted };
}
