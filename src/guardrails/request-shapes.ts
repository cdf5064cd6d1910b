import type { ClientApi } from '../api/client-request';

/**
 * What each client API's request holds, as far as guardrails care: which strings are
 * structure (names the provider matches exactly — roles, types, ids, model names, enum
 * values — and payloads that are not text: base64 data, signatures, encrypted content) and
 * which are read by the model. Only structure is listed: every other string, at any depth,
 * under any key — a field added to an API tomorrow included — is text and is checked.
 *
 * A shape applies to a value and, when the value is an array, to each of its items. A string
 * is checked unless its shape is `structure` (or a `url` holding a `data:` URL); an object
 * whose shape is not an ObjectShape is data: every key and string in it is checked.
 */
export type Shape = 'text' | 'structure' | 'url' | 'signed' | ObjectShape;

/**
 * - `text`: checked (JSON text by what it decodes to, see json-text.ts);
 * - `structure`: passed as it is;
 * - `url`: checked, unless a `data:` URL (base64 content);
 * - `signed`: covered by a signature, so never changed: checked, and when a rule would change
 *   it (redact) the object holding it (the thinking block) is dropped; a block still blocks.
 */
export interface ObjectShape {
  /** Shapes of known keys; values of other keys are data. */
  readonly fields: Readonly<Record<string, Shape>>;
  /** Per value of the object's `type`: its fields merged over `fields`. */
  readonly byType: Readonly<Record<string, Readonly<Record<string, Shape>>>>;
}

type Fields = Record<string, Shape>;

/** An object shape; `variants` (by `type`) add to or override `fields`. */
function object(fields: Fields, variants: Record<string, Fields> = {}): ObjectShape & { fields: Fields } {
  const byType: Record<string, Fields> = {};
  for (const [type, extra] of Object.entries(variants)) byType[type] = { ...fields, ...extra };
  return { fields, byType };
}

/** Adds `fields` to a shape and each of its variants (for shapes that contain themselves). */
function extend(shape: ObjectShape & { fields: Fields }, fields: Fields): void {
  Object.assign(shape.fields, fields);
  for (const variant of Object.values(shape.byType)) Object.assign(variant as Fields, fields);
}

const S = 'structure';
const URL = 'url';

// ---- OpenAI Chat Completions -------------------------------------------------------------

/** Content parts; strings in their place are text. `file_data` is a base64 data: URL. */
const openAIPart = object({ type: S, image_url: object({ url: URL, detail: S }), input_audio: object({ data: S, format: S }), file: object({ file_data: URL, file_id: S }) });

const openAIToolCall = object({ id: S, type: S, function: object({ name: S }), custom: object({ name: S }) });

const chatMessage = object({
  role: S,
  content: openAIPart,
  tool_calls: openAIToolCall,
  tool_call_id: S,
  function_call: object({ name: S }),
  audio: object({ id: S }),
});

/** A tool definition: its name is structure; description and JSON schema (descriptions, enums, defaults) are text. */
const chatTool = object({ type: S, function: object({ name: S, strict: S }), custom: object({ name: S, format: object({ type: S, syntax: S }) }) });

const chatRequest = object({
  model: S,
  messages: chatMessage,
  tools: chatTool,
  functions: object({ name: S }),
  function_call: object({ name: S }),
  tool_choice: object({ type: S, mode: S, function: object({ name: S }), custom: object({ name: S }), allowed_tools: object({ mode: S, tools: openAIToolCall }) }),
  response_format: object({ type: S, json_schema: object({ name: S }) }),
  prediction: object({ type: S, content: openAIPart }),
  audio: object({ voice: S, format: S }),
  modalities: S,
  reasoning_effort: S,
  service_tier: S,
  verbosity: S,
});

// ---- Anthropic Messages ------------------------------------------------------------------

const cacheControl = object({ type: S, ttl: S });

/**
 * Every content block (and citation, and the blocks inside tool results, documents and
 * search results). Signed thinking keeps its bytes; `redacted_thinking` data is encrypted.
 */
const anthropicBlock = object(
  { type: S, id: S, tool_use_id: S, name: S, server_name: S, cache_control: cacheControl, encrypted_content: S, encrypted_index: S, file_id: S, media_type: S },
  { thinking: { thinking: 'signed', signature: S }, redacted_thinking: { data: S } },
);

/** A block's `source`: base64 data is not text; text data, a URL and `content` blocks are. */
const anthropicSource = object({ type: S, media_type: S, file_id: S, url: URL, content: anthropicBlock }, { base64: { data: S } });

extend(anthropicBlock, { source: anthropicSource, content: anthropicBlock, citations: anthropicBlock });

const anthropicRequest = object({
  model: S,
  system: anthropicBlock,
  messages: object({ role: S, content: anthropicBlock }),
  tools: object({ type: S, name: S, cache_control: cacheControl }),
  tool_choice: object({ type: S, name: S }),
  thinking: object({ type: S }),
  mcp_servers: object({ type: S, name: S, url: URL }),
  container: S,
  service_tier: S,
});

// ---- OpenAI Responses --------------------------------------------------------------------

const responsesPart = object({
  type: S,
  image_url: URL,
  file_url: URL,
  file_data: URL,
  file_id: S,
  detail: S,
  format: S,
  annotations: object({ type: S, file_id: S, container_id: S }),
});

/** Input items: messages (with or without `type`), calls and their outputs, reasoning (encrypted content is not text). */
const responsesItem = object({
  type: S,
  id: S,
  role: S,
  status: S,
  call_id: S,
  name: S,
  server_label: S,
  approval_request_id: S,
  encrypted_content: S,
  content: responsesPart,
  output: responsesPart,
  summary: responsesPart,
});

const responsesRequest = object({
  model: S,
  input: responsesItem,
  tools: object({ type: S, name: S, server_label: S, server_url: URL, vector_store_ids: S, connector_id: S }),
  tool_choice: object({ type: S, mode: S, name: S, server_label: S }),
  prompt: object({ id: S, version: S }),
  previous_response_id: S,
  conversation: object({ id: S }),
  text: object({ format: object({ type: S, name: S }), verbosity: S }),
  reasoning: object({ effort: S, summary: S, generate_summary: S }),
  include: S,
  truncation: S,
  service_tier: S,
});

// ---- Embeddings --------------------------------------------------------------------------

const embeddingsRequest = object({ model: S, encoding_format: S });

// ---- Legacy completions ------------------------------------------------------------------

/** `prompt`, `suffix` and `stop` are text; token-id prompts are numbers, which no rule reads. */
const completionsRequest = object({ model: S });

/** The shape of each client API's request body. */
export const REQUEST_SHAPES: Readonly<Record<ClientApi, ObjectShape>> = {
  'openai-chat': chatRequest,
  'anthropic-messages': anthropicRequest,
  'openai-responses': responsesRequest,
  'openai-embeddings': embeddingsRequest,
  'openai-completions': completionsRequest,
};
