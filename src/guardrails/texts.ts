import type { ClientApi } from '../api/client-request';

/**
 * Where text flows in each client API's request and response JSON. Each function calls
 * `fn` on every text in a fixed order and returns a copy with the texts `fn` returned; parts
 * it did not change are shared, and an unchanged body is returned as it is.
 *
 * Tool-call arguments are JSON text: their string values are visited one by one, so an
 * escaped character cannot hide a match and a replacement keeps the JSON valid. Signed
 * thinking blocks are left alone: changing them would break their signature.
 */
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

/** Every string inside a JSON value (object keys stay as they are). */
export function mapJsonStrings(value: Json, fn: TextFn): Json {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return mapArray(value, (item) => mapJsonStrings(item, fn));
  if (!isObject(value)) return value;
  let out = value;
  for (const key of Object.keys(value)) out = withField(out, key, mapJsonStrings(value[key], fn));
  return out;
}

/** Tool-call arguments (JSON text): each string value inside; text that is not JSON as a whole. */
export function mapArguments(value: Json, fn: TextFn): Json {
  if (typeof value !== 'string') return value;
  let parsed: Json;
  try {
    parsed = JSON.parse(value);
  } catch {
    return fn(value);
  }
  const mapped = mapJsonStrings(parsed, fn);
  return mapped === parsed ? value : JSON.stringify(mapped);
}

/** OpenAI content: a string, or parts of which `text` parts carry text. */
function mapOpenAIContent(content: Json, fn: TextFn): Json {
  if (typeof content === 'string') return fn(content);
  return mapArray(content, (part) => (isObject(part) && typeof part.text === 'string' ? withField(part, 'text', fn(part.text)) : part));
}

function mapOpenAIToolCalls(calls: Json, fn: TextFn): Json {
  return mapArray(calls, (call) =>
    isObject(call) ? mapField(call, 'function', (f) => (isObject(f) ? mapField(f, 'arguments', (a) => mapArguments(a, fn)) : f)) : call,
  );
}

function mapChatMessage(message: Json, fn: TextFn): Json {
  if (!isObject(message)) return message;
  let out = mapField(message, 'content', (content) => mapOpenAIContent(content, fn));
  out = mapField(out, 'tool_calls', (calls) => mapOpenAIToolCalls(calls, fn));
  out = mapField(out, 'refusal', mapString(fn));
  return mapField(out, 'function_call', (f) => (isObject(f) ? mapField(f, 'arguments', (a) => mapArguments(a, fn)) : f));
}

/** Anthropic content: a string, or blocks (text, tool_use input, tool_result content, documents' text). */
function mapAnthropicContent(content: Json, fn: TextFn): Json {
  if (typeof content === 'string') return fn(content);
  return mapArray(content, (block) => {
    if (!isObject(block)) return block;
    if (block.type === 'text' && typeof block.text === 'string') return withField(block, 'text', fn(block.text));
    if (block.type === 'tool_use' || block.type === 'server_tool_use') return mapField(block, 'input', (input) => mapJsonStrings(input, fn));
    if (block.type === 'tool_result') return mapField(block, 'content', (inner) => mapAnthropicContent(inner, fn));
    if (block.type === 'document' && isObject(block.source) && block.source.type === 'text') {
      return withField(block, 'source', mapField(block.source, 'data', mapString(fn)));
    }
    return block;
  });
}

/** Responses API items: messages (string or parts), function calls' arguments, tool outputs. */
function mapResponsesItem(item: Json, fn: TextFn): Json {
  if (!isObject(item)) return item;
  let out = mapField(item, 'content', (content) => mapOpenAIContent(content, fn));
  if (item.type === 'function_call' || item.type === 'custom_tool_call') out = mapField(out, 'arguments', (a) => mapArguments(a, fn));
  if (item.type === 'custom_tool_call') out = mapField(out, 'input', mapString(fn));
  if (item.type === 'function_call_output' || item.type === 'custom_tool_call_output') out = mapField(out, 'output', (o) => mapOpenAIContent(o, fn));
  return out;
}

/** Every text of a whole (non-streamed) response, in the client's API. */
export function mapResponseTexts(api: ClientApi, body: JsonObject, fn: TextFn): JsonObject {
  switch (api) {
    case 'openai-chat':
      return mapField(body, 'choices', (choices) => mapArray(choices, (choice) => (isObject(choice) ? mapField(choice, 'message', (m) => mapChatMessage(m, fn)) : choice)));
    case 'anthropic-messages':
      return mapField(body, 'content', (content) => mapAnthropicContent(content, fn));
    case 'openai-responses':
      return mapField(body, 'output', (output) => mapArray(output, (item) => mapResponsesItem(item, fn)));
    case 'openai-embeddings':
      return body;
  }
}

/** One Responses API output item (streamed `response.output_item.done`). */
export function mapResponsesOutputItem(item: Json, fn: TextFn): Json {
  return mapResponsesItem(item, fn);
}
