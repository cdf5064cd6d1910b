import { invalidRequest } from '../../errors';
import { isRecord, isSet, parseJson } from '../anthropic/json-guards';
import { signCurrentTurn, thoughtSignatureFor } from './gemini-thought-signatures';
import type { GeminiContent, GeminiPart, GeminiSystemInstruction } from './gemini-types';

const DATA_URL = /^data:([^;,]+);base64,(.*)$/s;

/** OpenAI messages split the Gemini way: a system instruction and `user` / `model` turns. */
export interface ConvertedContents {
  systemInstruction?: GeminiSystemInstruction;
  contents: GeminiContent[];
}

/**
 * An OpenAI `image_url` part as Gemini inline data. Gemini reads only files it hosts (the
 * Files API) or inline base64 data (Part reference: `inlineData`, `fileData`); the gateway
 * never fetches URLs on a client's behalf, so an https URL is refused with 400.
 */
function imagePart(part: Record<string, unknown>, param: string): GeminiPart {
  const image = part.image_url;
  const url = isRecord(image) ? image.url : image;
  if (typeof url !== 'string') throw invalidRequest(`${param}.image_url.url must be a string.`, `${param}.image_url`);
  const data = DATA_URL.exec(url);
  if (data) return { inlineData: { mimeType: data[1].toLowerCase(), data: data[2] } };
  throw invalidRequest(
    `${param}.image_url: only base64 data URLs (data:image/png;base64,...) can be sent to a gemini backend; it does not fetch image URLs.`,
    `${param}.image_url`,
  );
}

/** A text part, or none for empty text: Gemini rejects parts with no data. */
function textParts(text: string): GeminiPart[] {
  return text === '' ? [] : [{ text }];
}

function partOf(part: unknown, param: string, images: boolean): GeminiPart[] {
  if (!isRecord(part)) throw invalidRequest(`${param} must be an object.`, param);
  if (part.type === 'text') {
    if (typeof part.text !== 'string') throw invalidRequest(`${param}.text must be a string.`, `${param}.text`);
    return textParts(part.text);
  }
  // A replayed assistant turn may hold its refusal; it was text the model wrote.
  if (part.type === 'refusal' && typeof part.refusal === 'string') return textParts(part.refusal);
  if (part.type === 'image_url' && images) return [imagePart(part, param)];
  throw invalidRequest(`${param}.type: content parts of type ${String(part.type)} cannot be sent to a gemini backend here.`, `${param}.type`);
}

/** A message's `content` (string, parts, or null next to tool calls) as Gemini parts. */
function contentParts(content: unknown, param: string, images: boolean): GeminiPart[] {
  if (!isSet(content)) return [];
  if (typeof content === 'string') return textParts(content);
  if (!Array.isArray(content)) throw invalidRequest(`${param}.content must be a string or an array of content parts.`, `${param}.content`);
  return content.flatMap((part: unknown, index) => partOf(part, `${param}.content[${index}]`, images));
}

/** Content that may only be text (system prompts, tool results), joined. */
function plainText(content: unknown, param: string): string {
  return contentParts(content, param, false)
    .map((part) => ('text' in part ? part.text : ''))
    .join('');
}

/** Tool-call arguments as the JSON object Gemini's `functionCall.args` must be. */
function parseArguments(text: unknown, param: string): Record<string, unknown> {
  if (typeof text !== 'string') throw invalidRequest(`${param} must be a string of JSON.`, param);
  // Some clients send "" for a tool without parameters; that means no arguments.
  if (text.trim() === '') return {};
  const parsed = parseJson(text);
  if (!isRecord(parsed)) throw invalidRequest(`${param} must be a JSON object: Gemini function call args are objects.`, param);
  return parsed;
}

/** Assistant tool calls as functionCall parts, remembering each id's function name for the results. */
function functionCalls(toolCalls: unknown, param: string, names: Map<string, string>, endpoint: string): GeminiPart[] {
  if (!isSet(toolCalls)) return [];
  if (!Array.isArray(toolCalls)) throw invalidRequest(`${param}.tool_calls must be an array.`, `${param}.tool_calls`);
  return toolCalls.map((call: unknown, index): GeminiPart => {
    const callParam = `${param}.tool_calls[${index}]`;
    if (!isRecord(call) || (isSet(call.type) && call.type !== 'function')) throw invalidRequest(`${callParam} must be a function tool call.`, callParam);
    const called = call.function;
    if (typeof call.id !== 'string' || call.id === '' || !isRecord(called) || typeof called.name !== 'string') {
      throw invalidRequest(`${callParam} needs an id and a function name.`, callParam);
    }
    names.set(call.id, called.name);
    const functionCall = { name: called.name, args: parseArguments(called.arguments, `${callParam}.function.arguments`) };
    // The signature Gemini put on this call rides in its id; Gemini 3 rejects the turn without it.
    const thoughtSignature = thoughtSignatureFor(call.id, endpoint);
    return thoughtSignature === undefined ? { functionCall } : { functionCall, thoughtSignature };
  });
}

/**
 * A tool message as a functionResponse part. Gemini matches results to calls by function
 * name, not id (function calling guide), so the name comes from the earlier call with this
 * id. `response` must be an object: a result that is a JSON object is sent as one, anything
 * else as text, both under `content`.
 */
function functionResponse(message: Record<string, unknown>, param: string, names: ReadonlyMap<string, string>): GeminiPart {
  const id = message.tool_call_id;
  if (typeof id !== 'string' || id === '') throw invalidRequest(`${param}.tool_call_id must be a non-empty string.`, `${param}.tool_call_id`);
  const name = names.get(id);
  if (name === undefined) {
    throw invalidRequest(`${param}.tool_call_id ${id} does not match a tool call of an earlier assistant message.`, `${param}.tool_call_id`);
  }
  const text = plainText(message.content, param);
  const parsed = parseJson(text);
  return { functionResponse: { name, response: { content: isRecord(parsed) ? parsed : text } } };
}

/**
 * OpenAI chat messages → Gemini `systemInstruction` and `contents`. System and developer
 * messages (wherever they are) join the system instruction in order; tool results become
 * functionResponse parts of a user turn; consecutive turns of one role merge, so the results
 * of parallel calls share one turn as the function calling guide shows. `endpoint` names who
 * may be sent the thought signatures carried in tool-call ids (gemini-thought-signatures.ts).
 */
export function convertOpenAIMessagesToGemini(messages: readonly unknown[], endpoint = 'gemini'): ConvertedContents {
  const system: Array<{ text: string }> = [];
  const contents: GeminiContent[] = [];
  const names = new Map<string, string>();
  const append = (role: GeminiContent['role'], parts: GeminiPart[]): void => {
    if (parts.length === 0) return;
    const last = contents[contents.length - 1];
    if (last !== undefined && last.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };
  messages.forEach((message: unknown, index) => {
    const param = `messages[${index}]`;
    if (!isRecord(message)) throw invalidRequest(`${param} must be an object.`, param);
    switch (message.role) {
      case 'system':
      case 'developer': {
        const text = plainText(message.content, param);
        if (text !== '') system.push({ text });
        break;
      }
      case 'user':
        append('user', contentParts(message.content, param, true));
        break;
      case 'assistant':
        append('model', [...contentParts(message.content, param, false), ...functionCalls(message.tool_calls, param, names, endpoint)]);
        break;
      case 'tool':
        append('user', [functionResponse(message, param, names)]);
        break;
      default:
        throw invalidRequest(`${param}.role: ${String(message.role)} messages cannot be sent to a gemini backend.`, `${param}.role`);
    }
  });
  // Calls another provider wrote have no signature, which Gemini 3 requires in the current turn.
  signCurrentTurn(contents);
  return { ...(system.length > 0 ? { systemInstruction: { parts: system } } : {}), contents };
}
