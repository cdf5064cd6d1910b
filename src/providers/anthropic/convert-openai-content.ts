import { invalidRequest } from '../../errors';
import type { AnthropicCacheControl, AnthropicContentBlock, AnthropicImageBlock, AnthropicTextBlock } from './anthropic-types';
import { isRecord, isSet } from './json-guards';

/** The image types Anthropic accepts (Messages API reference, image source `media_type`). */
const IMAGE_MEDIA_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];
const DATA_URL = /^data:([^;,]+);base64,(.*)$/s;

/** Which message a content list belongs to; only user messages may carry images. */
export type ContentOwner = 'system' | 'user' | 'assistant' | 'tool';

function cacheControlOf(part: Record<string, unknown>): { cache_control?: AnthropicCacheControl } {
  return isRecord(part.cache_control) ? { cache_control: part.cache_control } : {};
}

/** A text block, or none for empty text: Anthropic rejects empty text blocks with 400. */
function textBlock(text: string, part: Record<string, unknown> = {}): AnthropicTextBlock[] {
  return text === '' ? [] : [{ type: 'text', text, ...cacheControlOf(part) }];
}

/**
 * An OpenAI `image_url` part as an Anthropic image: a base64 data URL becomes a base64
 * source and an https URL a URL source (Anthropic fetches it). Anything else is a 400,
 * since Anthropic could not read it either.
 */
function imageBlock(part: Record<string, unknown>, param: string): AnthropicImageBlock {
  const image = part.image_url;
  const url = isRecord(image) ? image.url : image;
  if (typeof url !== 'string') throw invalidRequest(`${param}.image_url.url must be a string.`, `${param}.image_url`);
  const data = DATA_URL.exec(url);
  if (data) {
    const mediaType = data[1].toLowerCase();
    if (!IMAGE_MEDIA_TYPES.includes(mediaType)) {
      throw invalidRequest(`${param}.image_url: Anthropic accepts ${IMAGE_MEDIA_TYPES.join(', ')} images, not ${mediaType}.`, `${param}.image_url`);
    }
    return { type: 'image', source: { type: 'base64', media_type: mediaType, data: data[2] }, ...cacheControlOf(part) };
  }
  if (/^https:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url }, ...cacheControlOf(part) };
  throw invalidRequest(
    `${param}.image_url: only https URLs and base64 data URLs (data:image/png;base64,...) can be sent to an anthropic backend.`,
    `${param}.image_url`,
  );
}

function partBlocks(part: unknown, param: string, owner: ContentOwner): AnthropicContentBlock[] {
  if (!isRecord(part)) throw invalidRequest(`${param} must be an object.`, param);
  if (part.type === 'text') {
    if (typeof part.text !== 'string') throw invalidRequest(`${param}.text must be a string.`, `${param}.text`);
    return textBlock(part.text, part);
  }
  // An assistant turn the client replays may hold its refusal; it was text the model wrote.
  if (part.type === 'refusal' && owner === 'assistant' && typeof part.refusal === 'string') return textBlock(part.refusal, part);
  if (part.type === 'image_url' && owner === 'user') return [imageBlock(part, param)];
  throw invalidRequest(`${param}.type: content parts of type ${String(part.type)} cannot be sent to an anthropic backend in a ${owner} message.`, `${param}.type`);
}

/**
 * A message's OpenAI `content` (a string, an array of parts, or null next to tool calls)
 * as Anthropic blocks; `param` names the message, e.g. `messages[2]`.
 */
export function convertContent(content: unknown, param: string, owner: ContentOwner): AnthropicContentBlock[] {
  if (!isSet(content)) return [];
  if (typeof content === 'string') return textBlock(content);
  if (!Array.isArray(content)) throw invalidRequest(`${param}.content must be a string or an array of content parts.`, `${param}.content`);
  return content.flatMap((part: unknown, index) => partBlocks(part, `${param}.content[${index}]`, owner));
}

/** Content that may only be text (system prompts, tool results), as text blocks. */
export function convertTextContent(content: unknown, param: string, owner: 'system' | 'tool'): AnthropicTextBlock[] {
  // partBlocks only lets text through for these owners, so every block is a text block.
  return convertContent(content, param, owner).filter((block): block is AnthropicTextBlock => block.type === 'text');
}
