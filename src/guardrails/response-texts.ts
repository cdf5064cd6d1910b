import type { ClientApi } from '../api/client-request';
import { rewriteJsonText } from './json-text-channel';

/**
 * Where text flows in each client API's response JSON (whole bodies, and the whole texts
 * repeated in a stream's closing events). Each function calls `fn` on every text in a fixed
 * order and returns a copy with the texts `fn` returned; parts it did not change are shared,
 * and an unchanged body is returned as it is.
 *
 * - OpenAI chat: `choices[].message.` `content` (string or text parts), `refusal`,
 *   `reasoning_content`, `reasoning`, `audio.transcript`, `tool_calls[].function.arguments`,
 *   `function_call.arguments`.
 * - Anthropic: `content[]` blocks: `text` (and `citations[].cited_text`), `thinking`,
 *   `tool_use`/`server_tool_use` `input` (keys and values), the `content` of `*_tool_result` blocks.
 * - Responses: `output[]` items: message parts' `text` and `refusal`, `function_call` and
 *   `mcp_call` `arguments`, `mcp_call` `output`, `custom_tool_call` `input`, reasoning items'
 *   `summary[].text` and `content[].text`.
 *
 * Tool arguments are JSON text: each value inside is visited decoded (an escape cannot hide a
 * match) and a changed value is written back escaped. A signed Anthropic thinking block whose
 * text a check changed loses its signature (`""`): the signature no longer matches the text.
 */

/** Returns the text to keep for a text (itself, redacted, or throws to block). */
export type TextFn = (text: string) => string;

type Json = unknown;
type JsonObject = Record<string, Json>;

function isObject(value: Json): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A copy of `object` with `key` set, or `object` itself when the value is unchanged. */
function withField(object: JsonObject, key: string, value: Json): JsonObject {
  return object[key] === value ? object : { ...object, [key]: value };
}

function mapField(object: JsonObject, key: string, map: (value: Json) => Json): JsonObject {
  return key in object ? withField(object, key, map(object[key])) : object;
}

function mapArray(value: Json, map: (item: Json) => Json): Json {
  if (!Array.isArray(value)) return value;
  let changed = false;
  const out = value.map((item) => {
    const next = map(item);
    if (next !== item) changed = true;
    return next;
  });
  return changed ? out : value;
}

const mapString = (fn: TextFn) => (value: Json): Json => (typeof value === 'string' ? fn(value) : value);

/**
 * Every string inside a JSON value (a tool call's `input` object), keys too, as a stream's
 * `input_json_delta` is read: a client reads a key as much as a value.
 */
function mapJsonValues(value: Json, fn: TextFn): Json {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return mapArray(value, (item) => mapJsonValues(item, fn));
  if (!isObject(value)) return value;
  let changed = false;
  const entries = Object.entries(value).map(([key, item]): [string, Json] => {
    const [newKey, newItem] = [fn(key), mapJsonValues(item, fn)];
    if (newKey !== key || newItem !== item) changed = true;
    return [newKey, newItem];
  });
  // fromEntries defines each key as data, so a key `__proto__` stays a key.
  return changed ? Object.fromEntries(entries) : value;
}

/** Tool arguments (JSON text), each value decoded; text that is not JSON checked whole, as it is. */
export function mapArgumentsText(value: Json, fn: TextFn): Json {
  return typeof value === 'string' ? rewriteJsonText(value, fn) : value;
}

/** Each object's `key` string, in an array of objects (text parts, summaries, citations). */
function mapPartsField(parts: Json, key: string, fn: TextFn): Json {
  return mapArray(parts, (part) => (isObject(part) ? mapField(part, key, mapString(fn)) : part));
}

function mapChatMessage(message: Json, fn: TextFn): Json {
  if (!isObject(message)) return message;
  let out = mapField(message, 'content', (content) => (typeof content === 'string' ? fn(content) : mapPartsField(content, 'text', fn)));
  for (const key of ['refusal', 'reasoning_content', 'reasoning']) out = mapField(out, key, mapString(fn));
  out = mapField(out, 'audio', (audio) => (isObject(audio) ? mapField(audio, 'transcript', mapString(fn)) : audio));
  out = mapField(out, 'tool_calls', (calls) =>
    mapArray(calls, (call) => (isObject(call) ? mapField(call, 'function', (f) => (isObject(f) ? mapField(f, 'arguments', (a) => mapArgumentsText(a, fn)) : f)) : call)),
  );
  return mapField(out, 'function_call', (f) => (isObject(f) ? mapField(f, 'arguments', (a) => mapArgumentsText(a, fn)) : f));
}

/** One Anthropic content block of a response. */
export function mapAnthropicResponseBlock(block: Json, fn: TextFn): Json {
  if (!isObject(block)) return block;
  switch (block.type) {
    case 'text': {
      const out = mapField(block, 'text', mapString(fn));
      return mapField(out, 'citations', (citations) => mapPartsField(citations, 'cited_text', fn));
    }
    case 'thinking': {
      const out = mapField(block, 'thinking', mapString(fn));
      // Its signature covers the text: once the text changed it would only be refused.
      return out !== block && typeof block.signature === 'string' && block.signature !== '' ? withField(out, 'signature', '') : out;
    }
    case 'tool_use':
    case 'server_tool_use':
      return mapField(block, 'input', (input) => mapJsonValues(input, fn));
    default:
      if (typeof block.type === 'string' && block.type.endsWith('_tool_result')) {
        return mapField(block, 'content', (content) => (typeof content === 'string' ? fn(content) : mapArray(content, (inner) => mapAnthropicResponseBlock(inner, fn))));
      }
      return block;
  }
}

/** One Responses API output item (also streamed in `response.output_item.*`). */
export function mapResponsesOutputItem(item: Json, fn: TextFn): Json {
  if (!isObject(item)) return item;
  switch (item.type) {
    case 'message':
      return mapField(item, 'content', (content) =>
        mapArray(content, (part) => {
          if (!isObject(part)) return part;
          return mapField(mapField(part, 'text', mapString(fn)), 'refusal', mapString(fn));
        }),
      );
    case 'function_call':
      return mapField(item, 'arguments', (a) => mapArgumentsText(a, fn));
    case 'mcp_call':
      return mapField(mapField(item, 'arguments', (a) => mapArgumentsText(a, fn)), 'output', mapString(fn));
    case 'custom_tool_call':
      return mapField(item, 'input', mapString(fn));
    case 'reasoning':
      return mapField(mapField(item, 'summary', (s) => mapPartsField(s, 'text', fn)), 'content', (c) => mapPartsField(c, 'text', fn));
    default:
      return item;
  }
}

/** Every text of a whole (non-streamed) response, in the client's API. */
export function mapResponseTexts(api: ClientApi, body: JsonObject, fn: TextFn): JsonObject {
  switch (api) {
    case 'openai-chat':
      return mapField(body, 'choices', (choices) => mapArray(choices, (choice) => (isObject(choice) ? mapField(choice, 'message', (m) => mapChatMessage(m, fn)) : choice)));
    case 'anthropic-messages':
      return mapField(body, 'content', (content) => mapArray(content, (block) => mapAnthropicResponseBlock(block, fn)));
    case 'openai-responses':
      return mapField(body, 'output', (output) => mapArray(output, (item) => mapResponsesOutputItem(item, fn)));
    case 'openai-completions':
      return mapField(body, 'choices', (choices) => mapArray(choices, (choice) => (isObject(choice) ? mapField(choice, 'text', mapString(fn)) : choice)));
    case 'openai-embeddings':
      return body;
  }
}
