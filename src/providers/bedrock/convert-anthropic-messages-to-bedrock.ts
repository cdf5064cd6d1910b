import { invalidRequest } from '../../errors';
import { isRecord, isSet } from '../anthropic/json-guards';
import type { BedrockContentBlock, BedrockImageBlock, BedrockMessage, BedrockSystemBlock, BedrockTextBlock, BedrockToolResultBlock } from './bedrock-types';
import { CACHE_POINT, IMAGE_FORMATS, marksCache } from './convert-openai-messages-to-bedrock';

/** Dropped thinking: Bedrock, like Anthropic, rejects a thinking block without the model's signature. */
export const UNSIGNED_THINKING_WARNING = 'dropped thinking blocks without a signature: Claude rejects them (they came from another provider)';
/** Converse cache points have one kind and no TTL (CachePointBlock reference). */
export const CACHE_TTL_WARNING = 'dropped cache_control ttl: bedrock cache points have no ttl';

/** What block conversion needs besides the blocks: refusals name the backend; warnings collect once each. */
export interface BedrockMessageContext {
  readonly backendName: string;
  readonly warnings: Set<string>;
  /** Whether the model is Anthropic's: tool result `status` is read by Claude models only. */
  readonly anthropicModel: boolean;
}

/** Anthropic's `cache_control` on a block → a cache point right after it (an empty list when there is none). */
function checkpointAfter(block: Record<string, unknown>, context: BedrockMessageContext): BedrockContentBlock[] {
  if (!marksCache(block)) return [];
  if (isRecord(block.cache_control) && isSet(block.cache_control.ttl)) context.warnings.add(CACHE_TTL_WARNING);
  return [CACHE_POINT];
}

function refuse(block: Record<string, unknown>, param: string, where: string, context: BedrockMessageContext): Error {
  return invalidRequest(`${param}: ${String(block.type)} blocks cannot be sent to backend "${context.backendName}" (bedrock converse) in ${where}.`, param);
}

/** A message's content as blocks: a string is one text block; `param` names the list. */
function blocksOf(content: unknown, param: string): Array<Record<string, unknown>> {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw invalidRequest(`${param} must be a string or an array of content blocks.`, param);
  return content.map((block: unknown, index) => {
    if (!isRecord(block)) throw invalidRequest(`${param}[${index}] must be an object.`, `${param}[${index}]`);
    return block;
  });
}

/** A text block, or none for empty text: Converse rejects blank text blocks (ValidationException). */
function textBlock(block: Record<string, unknown>, param: string): BedrockTextBlock[] {
  if (typeof block.text !== 'string') throw invalidRequest(`${param}.text must be a string.`, `${param}.text`);
  return block.text === '' ? [] : [{ text: block.text }];
}

/**
 * An image block with base64 data as a Converse image (ImageBlock reference). Converse reads
 * inline bytes or S3 only; URL and Files API sources would need the gateway to fetch them.
 */
function imageBlock(block: Record<string, unknown>, param: string): BedrockImageBlock {
  const source = isRecord(block.source) ? block.source : {};
  if (source.type !== 'base64' || typeof source.data !== 'string' || typeof source.media_type !== 'string') {
    throw invalidRequest(`${param}.source: only base64 images can be sent to a bedrock backend; it does not fetch URLs or files.`, `${param}.source`);
  }
  const format = IMAGE_FORMATS.get(source.media_type.toLowerCase());
  if (format === undefined) throw invalidRequest(`${param}.source.media_type: bedrock accepts png, jpeg, gif and webp images, not ${source.media_type}.`, `${param}.source.media_type`);
  return { image: { format, source: { bytes: source.data } } };
}

/**
 * A document block as a Converse document (DocumentBlock reference): a base64 PDF, or plain
 * text (sent as the bytes of a txt document). Converse requires a name (letters, digits,
 * spaces, hyphens, parentheses, brackets); the title is used when it fits, else `document-N`.
 */
function documentBlock(block: Record<string, unknown>, param: string, ordinal: number): BedrockContentBlock {
  const source = isRecord(block.source) ? block.source : {};
  const title = typeof block.title === 'string' ? block.title.replace(/[^A-Za-z0-9 ()[\]-]/g, ' ').replace(/\s+/g, ' ').trim() : '';
  const name = title !== '' ? title.slice(0, 200) : `document-${ordinal}`;
  if (source.type === 'base64' && source.media_type === 'application/pdf' && typeof source.data === 'string') {
    return { document: { format: 'pdf', name, source: { bytes: source.data } } };
  }
  if (source.type === 'text' && typeof source.data === 'string') {
    return { document: { format: 'txt', name, source: { bytes: Buffer.from(source.data, 'utf8').toString('base64') } } };
  }
  throw invalidRequest(`${param}.source: only base64 PDF and text documents can be sent to a bedrock backend.`, `${param}.source`);
}

/** A tool_result block (ToolResultBlock reference): text and images; `is_error` is its error status. */
function toolResultBlock(block: Record<string, unknown>, param: string, context: BedrockMessageContext): BedrockContentBlock[] {
  if (typeof block.tool_use_id !== 'string' || block.tool_use_id === '') throw invalidRequest(`${param}.tool_use_id must be a non-empty string.`, `${param}.tool_use_id`);
  const parts = isSet(block.content) ? blocksOf(block.content, `${param}.content`) : [];
  const content = parts.flatMap((part, index): Array<BedrockTextBlock | BedrockImageBlock> => {
    const partParam = `${param}.content[${index}]`;
    if (part.type === 'text') return textBlock(part, partParam);
    if (part.type === 'image') return [imageBlock(part, partParam)];
    throw refuse(part, partParam, 'a tool result', context);
  });
  const result: BedrockToolResultBlock = { toolResult: { toolUseId: block.tool_use_id, content: content.length > 0 ? content : [{ text: '' }] } };
  if (block.is_error === true) {
    if (context.anthropicModel) result.toolResult.status = 'error';
    else context.warnings.add('dropped tool_result is_error: only Anthropic models on bedrock read a tool result status');
  }
  // Converse has no checkpoint inside a result: one after the whole result keeps the same prefix cached.
  const checkpoint = [block, ...parts].flatMap((marked) => checkpointAfter(marked, context)).slice(0, 1);
  return [result, ...checkpoint];
}

function toolUseBlock(block: Record<string, unknown>, param: string): BedrockContentBlock {
  if (typeof block.id !== 'string' || block.id === '' || typeof block.name !== 'string' || block.name === '') {
    throw invalidRequest(`${param} needs an id and a name.`, param);
  }
  if (isSet(block.input) && !isRecord(block.input)) throw invalidRequest(`${param}.input must be an object.`, `${param}.input`);
  return { toolUse: { toolUseId: block.id, name: block.name, input: isRecord(block.input) ? block.input : {} } };
}

/**
 * A replayed thinking block as reasoning content with its signature (Bedrock's extended
 * thinking guide: thinking blocks must be sent back unchanged with tool results). One without
 * a signature came from another provider's translation and would be rejected: it is dropped.
 */
function thinkingBlock(block: Record<string, unknown>, context: BedrockMessageContext): BedrockContentBlock[] {
  if (block.type === 'redacted_thinking') return typeof block.data === 'string' ? [{ reasoningContent: { redactedContent: block.data } }] : [];
  if (typeof block.signature !== 'string' || block.signature === '') {
    context.warnings.add(UNSIGNED_THINKING_WARNING);
    return [];
  }
  return [{ reasoningContent: { reasoningText: { text: typeof block.thinking === 'string' ? block.thinking : '', signature: block.signature } } }];
}

/** One block of a user or assistant turn, with the cache point its cache_control asks for. */
function contentBlock(block: Record<string, unknown>, param: string, role: BedrockMessage['role'], context: BedrockMessageContext, ordinal: () => number): BedrockContentBlock[] {
  const where = `a${role === 'user' ? ' user' : 'n assistant'} message`;
  switch (block.type) {
    case 'text':
      return [...textBlock(block, param), ...checkpointAfter(block, context)];
    case 'image':
      if (role !== 'user') throw refuse(block, param, where, context);
      return [imageBlock(block, param), ...checkpointAfter(block, context)];
    case 'document':
      if (role !== 'user') throw refuse(block, param, where, context);
      return [documentBlock(block, param, ordinal()), ...checkpointAfter(block, context)];
    case 'tool_result':
      if (role !== 'user') throw refuse(block, param, where, context);
      return toolResultBlock(block, param, context);
    case 'tool_use':
      if (role !== 'assistant') throw refuse(block, param, where, context);
      return [toolUseBlock(block, param), ...checkpointAfter(block, context)];
    case 'thinking':
    case 'redacted_thinking':
      if (role !== 'assistant') throw refuse(block, param, where, context);
      return thinkingBlock(block, context);
    default:
      // server_tool_use, web_search_tool_result, search_result, container_upload, ...: Anthropic's own tools and files.
      throw refuse(block, param, where, context);
  }
}

/** Anthropic's top-level `system` (a string or text blocks) as Converse system blocks, breakpoints kept as cache points. */
export function convertAnthropicSystem(system: unknown, context: BedrockMessageContext): BedrockSystemBlock[] {
  if (!isSet(system)) return [];
  return blocksOf(system, 'system').flatMap((block, index): BedrockSystemBlock[] => {
    const param = `system[${index}]`;
    if (block.type !== 'text') throw refuse(block, param, 'the system prompt', context);
    return [...textBlock(block, param), ...(checkpointAfter(block, context) as BedrockSystemBlock[])];
  });
}

/**
 * Anthropic `messages` → Converse `messages` (Messages API reference → Converse Message and
 * ContentBlock references). Consecutive turns of one role merge, as Anthropic itself merges
 * them and Converse wants turns to alternate. Throws a 400 GatewayError, naming the block,
 * for content Converse cannot take.
 */
export function convertAnthropicMessagesToBedrock(messages: readonly unknown[], context: BedrockMessageContext): BedrockMessage[] {
  const converted: BedrockMessage[] = [];
  let documents = 0;
  const ordinal = (): number => ++documents;
  messages.forEach((message: unknown, index) => {
    const param = `messages[${index}]`;
    if (!isRecord(message) || (message.role !== 'user' && message.role !== 'assistant')) {
      throw invalidRequest(`${param}.role must be "user" or "assistant".`, `${param}.role`);
    }
    const role = message.role;
    const content = blocksOf(message.content, `${param}.content`).flatMap((block, blockIndex) => contentBlock(block, `${param}.content[${blockIndex}]`, role, context, ordinal));
    if (content.length === 0) return;
    const last = converted[converted.length - 1];
    if (last !== undefined && last.role === role) last.content.push(...content);
    else converted.push({ role, content });
  });
  return converted;
}
