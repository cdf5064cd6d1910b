/**
 * Anthropic Messages API wire types (https://docs.anthropic.com/en/api/messages), only the
 * parts this gateway writes or reads. Requests are built by us, so their types are exact;
 * responses come from the network, so every field we read is optional and checked.
 */

/** A `cache_control` marker; passed through as the client wrote it (Anthropic validates it). */
export type AnthropicCacheControl = Readonly<Record<string, unknown>>;

/** A text block (request side); empty text is rejected by Anthropic, so we never send one. */
export interface AnthropicTextBlock {
  type: 'text';
  text: string;
  cache_control?: AnthropicCacheControl;
}

/** Image source: base64 data or a URL Anthropic fetches itself. */
export type AnthropicImageSource = { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string };

/** An image block (user messages only). */
export interface AnthropicImageBlock {
  type: 'image';
  source: AnthropicImageSource;
  cache_control?: AnthropicCacheControl;
}

/** A tool call the assistant made; `input` must be a JSON object. */
export interface AnthropicToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: Record<string, unknown>;
}

/** A tool's answer, sent in a user message right after the assistant's tool_use. */
export interface AnthropicToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content?: string | AnthropicTextBlock[];
  cache_control?: AnthropicCacheControl;
}

/** Any block this gateway puts in a request message. */
export type AnthropicContentBlock = AnthropicTextBlock | AnthropicImageBlock | AnthropicToolUseBlock | AnthropicToolResultBlock;

/** One turn; Anthropic wants user and assistant turns to alternate. */
export interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: AnthropicContentBlock[];
}

/** A client tool definition. */
export interface AnthropicTool {
  name: string;
  description?: string;
  input_schema: Readonly<Record<string, unknown>>;
  cache_control?: AnthropicCacheControl;
}

/** How the model may use tools; `none` takes no parallelism flag. */
export type AnthropicToolChoice =
  | { type: 'auto' | 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean }
  | { type: 'none' };

/** Extended thinking with a token budget (at least 1024 and below max_tokens). */
export interface AnthropicThinking {
  type: 'enabled';
  budget_tokens: number;
}

/** The body of `POST /v1/messages`. */
/** Structured outputs: the text answer must match this JSON Schema (`output_config.format`). */
export interface AnthropicOutputConfig {
  format: { type: 'json_schema'; schema: Record<string, unknown> };
}

export interface AnthropicRequest {
  model: string;
  max_tokens: number;
  system?: AnthropicTextBlock[];
  messages: AnthropicMessage[];
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  thinking?: AnthropicThinking;
  stop_sequences?: string[];
  temperature?: number;
  top_p?: number;
  top_k?: number;
  stream?: true;
  metadata?: { user_id: string };
  output_config?: AnthropicOutputConfig;
}

/** Usage as Anthropic reports it: input_tokens exclude both cache counts. */
export interface AnthropicUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  /** Newer API revisions split out thinking tokens; they are part of output_tokens. */
  output_tokens_details?: { thinking_tokens?: number | null } | null;
}

/** A content block in a response (or a stream's content_block_start). */
export interface AnthropicResponseBlock {
  type?: string;
  text?: string;
  thinking?: string;
  id?: string;
  name?: string;
  input?: unknown;
}

/** A non-streaming response, or the `message` of a stream's message_start. */
export interface AnthropicMessageResponse {
  id?: string;
  type?: string;
  role?: string;
  model?: string;
  content?: AnthropicResponseBlock[];
  stop_reason?: string | null;
  usage?: AnthropicUsage;
}

/** The `delta` of content_block_delta and message_delta events. */
export interface AnthropicStreamDelta {
  type?: string;
  text?: string;
  thinking?: string;
  partial_json?: string;
  stop_reason?: string | null;
}

/** Anthropic's error object, in error responses and in a stream's `error` event. */
export interface AnthropicErrorObject {
  type?: string;
  message?: string;
}

/**
 * One streamed event (https://docs.anthropic.com/en/docs/build-with-claude/streaming):
 * message_start, content_block_start/delta/stop, message_delta, message_stop, ping, error.
 */
export interface AnthropicStreamEvent {
  type?: string;
  message?: AnthropicMessageResponse;
  index?: number;
  content_block?: AnthropicResponseBlock;
  delta?: AnthropicStreamDelta;
  usage?: AnthropicUsage;
  error?: AnthropicErrorObject;
}
