/**
 * OpenAI Chat Completions response types (https://platform.openai.com/docs/api-reference/chat),
 * only what this gateway writes when it answers an OpenAI client from another provider.
 */

/** Why generation stopped, in OpenAI's words. */
export type OpenAIFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

/** A completed tool call; `arguments` is JSON text. */
export interface OpenAIToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** OpenAI usage: cached tokens are part of prompt_tokens, reasoning tokens part of completion_tokens. */
export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
  completion_tokens_details: { reasoning_tokens: number };
}

/** The assistant message of a non-streaming completion. */
export interface OpenAIAssistantMessage {
  role: 'assistant';
  content: string | null;
  /** Not in OpenAI's own API; the de facto field (DeepSeek, vLLM, LiteLLM) for visible reasoning text. */
  reasoning_content?: string;
  refusal: null;
  tool_calls?: OpenAIToolCall[];
}

/** A `chat.completion` object. */
export interface OpenAIChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  system_fingerprint: null;
  choices: Array<{ index: 0; message: OpenAIAssistantMessage; logprobs: null; finish_reason: OpenAIFinishReason }>;
  usage?: OpenAIUsage;
}

/** A fragment of a streamed tool call; id, type and name come only in its first fragment. */
export interface OpenAIToolCallDelta {
  index: number;
  id?: string;
  type?: 'function';
  function: { name?: string; arguments: string };
}

/** What one stream chunk adds to the message. */
export interface OpenAIChunkDelta {
  role?: 'assistant';
  content?: string;
  reasoning_content?: string;
  tool_calls?: OpenAIToolCallDelta[];
}

/** A `chat.completion.chunk` object: one choice, or none in the final usage chunk. */
export interface OpenAIChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  system_fingerprint: null;
  choices: Array<{ index: 0; delta: OpenAIChunkDelta; logprobs: null; finish_reason: OpenAIFinishReason | null }>;
  usage?: OpenAIUsage | null;
}
