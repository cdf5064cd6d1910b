/**
 * Wire types for serving an Anthropic Messages client from an OpenAI-compatible backend:
 * the OpenAI request we write (https://platform.openai.com/docs/api-reference/chat/create)
 * and the Anthropic message and stream events we write
 * (https://docs.anthropic.com/en/api/messages, .../build-with-claude/streaming). Both are
 * built by us, so they are exact; what comes back from the network is read with guards.
 */
import type { AnthropicErrorBody } from '../../api/anthropic-errors';
import type { OpenAIToolCall } from '../anthropic/openai-chat-types';

/** A text part of a user message. */
export interface OpenAITextPart {
  type: 'text';
  text: string;
}

/** An image part: an https URL or a base64 data URL. */
export interface OpenAIImagePart {
  type: 'image_url';
  image_url: { url: string };
}

/** One message of the request, by role. */
export type OpenAIChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | Array<OpenAITextPart | OpenAIImagePart> }
  | { role: 'assistant'; content: string | null; tool_calls?: OpenAIToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

/** A function tool; `parameters` is a JSON schema, as Anthropic's `input_schema`. */
export interface OpenAIFunctionTool {
  type: 'function';
  function: { name: string; description?: string; parameters: Readonly<Record<string, unknown>>; strict?: boolean };
}

/** How the model may use tools. */
export type OpenAIToolChoice = 'auto' | 'required' | 'none' | { type: 'function'; function: { name: string } };

/** The reasoning efforts every OpenAI reasoning model takes. */
export type OpenAIReasoningEffort = 'low' | 'medium' | 'high';

/** Structured output: the reply must match `schema`. */
export interface OpenAIResponseFormat {
  type: 'json_schema';
  json_schema: { name: string; schema: Readonly<Record<string, unknown>>; strict: true };
}

/** The body of `POST /chat/completions`, as this translator writes it. */
export interface OpenAIChatRequest {
  model: string;
  messages: OpenAIChatMessage[];
  max_completion_tokens: number;
  stop?: string[];
  temperature?: number;
  top_p?: number;
  tools?: OpenAIFunctionTool[];
  tool_choice?: OpenAIToolChoice;
  parallel_tool_calls?: false;
  reasoning_effort?: OpenAIReasoningEffort;
  response_format?: OpenAIResponseFormat;
  user?: string;
  stream?: true;
  stream_options?: { include_usage: true };
}

/** Why the message ended (an OpenAI finish_reason maps to the first four; Bedrock's stopReason to all). */
export type AnthropicStopReason = 'end_turn' | 'max_tokens' | 'tool_use' | 'refusal' | 'stop_sequence' | 'model_context_window_exceeded';

/** A content block of the message we write. */
export type AnthropicOutputBlock =
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string }
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

/** Anthropic usage: `input_tokens` EXCLUDES cache reads and cache writes (Messages API reference, usage). */
export interface AnthropicOutputUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  output_tokens: number;
}

/** A Messages API response body, or the `message` of a stream's message_start. */
export interface AnthropicMessageBody {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: AnthropicOutputBlock[];
  stop_reason: AnthropicStopReason | null;
  /** The stop sequence that ended the message, when the provider says which. */
  stop_sequence: string | null;
  usage: AnthropicOutputUsage;
}

/** The `delta` of a content_block_delta event. */
export type AnthropicBlockDelta =
  | { type: 'text_delta'; text: string }
  | { type: 'thinking_delta'; thinking: string }
  | { type: 'signature_delta'; signature: string }
  | { type: 'input_json_delta'; partial_json: string };

/** The usage of message_delta: cumulative totals that overwrite message_start's (streaming guide). */
export type AnthropicDeltaUsage = Pick<AnthropicOutputUsage, 'output_tokens' | 'input_tokens' | 'cache_read_input_tokens'> &
  Partial<Pick<AnthropicOutputUsage, 'cache_creation_input_tokens'>>;

/** One event of the Anthropic stream we write; its `type` is also the SSE `event:` name. */
export type AnthropicStreamOutput =
  | { type: 'message_start'; message: AnthropicMessageBody }
  | { type: 'content_block_start'; index: number; content_block: AnthropicOutputBlock }
  | { type: 'content_block_delta'; index: number; delta: AnthropicBlockDelta }
  | { type: 'content_block_stop'; index: number }
  | { type: 'message_delta'; delta: { stop_reason: AnthropicStopReason; stop_sequence: string | null }; usage: AnthropicDeltaUsage }
  | { type: 'message_stop' }
  | AnthropicErrorBody;
