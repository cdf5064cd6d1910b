/**
 * Bedrock Converse API request shapes (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html),
 * only what this gateway writes. ConverseStream takes the same body
 * (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html).
 */

/** The image formats a Converse ImageBlock takes (ImageBlock reference, `format`). */
export type BedrockImageFormat = 'png' | 'jpeg' | 'gif' | 'webp';

/** A text block (ContentBlock reference, `text`). */
export interface BedrockTextBlock {
  text: string;
}

/** An image with its bytes inline, base64 in JSON (ImageSource reference, `bytes`). */
export interface BedrockImageBlock {
  image: { format: BedrockImageFormat; source: { bytes: string } };
}

/** A tool call the assistant made (ToolUseBlock reference). */
export interface BedrockToolUseBlock {
  toolUse: { toolUseId: string; name: string; input: Record<string, unknown> };
}

/** A tool's result, sent in a user turn (ToolResultBlock reference; `status` is read by Anthropic models only). */
export interface BedrockToolResultBlock {
  toolResult: { toolUseId: string; content: Array<BedrockTextBlock | BedrockImageBlock>; status?: 'success' | 'error' };
}

/** The document formats a Converse DocumentBlock takes (DocumentBlock reference, `format`), the ones Anthropic clients send. */
export type BedrockDocumentFormat = 'pdf' | 'txt';

/** A document with its bytes inline (DocumentBlock reference: `name` is required). */
export interface BedrockDocumentBlock {
  document: { format: BedrockDocumentFormat; name: string; source: { bytes: string } };
}

/**
 * A model's earlier reasoning, replayed (ReasoningContentBlock reference): its text with the
 * signature the model made, or the encrypted `redactedContent` (base64 in JSON).
 */
export interface BedrockReasoningBlock {
  reasoningContent: { reasoningText: { text: string; signature?: string } } | { redactedContent: string };
}

/**
 * A prompt-cache checkpoint: everything before it may be cached (CachePointBlock reference).
 * Anthropic's `cache_control` breakpoints map here, placed right after the marked block.
 */
export interface BedrockCachePointBlock {
  cachePoint: { type: 'default' };
}

/** One block of a message's content. */
export type BedrockContentBlock =
  | BedrockTextBlock
  | BedrockImageBlock
  | BedrockDocumentBlock
  | BedrockReasoningBlock
  | BedrockToolUseBlock
  | BedrockToolResultBlock
  | BedrockCachePointBlock;

/** One block of the system prompt: text, or a cache checkpoint after it. */
export type BedrockSystemBlock = BedrockTextBlock | BedrockCachePointBlock;

/** A turn of the conversation (Message reference: role `user` or `assistant`). */
export interface BedrockMessage {
  role: 'user' | 'assistant';
  content: BedrockContentBlock[];
}

/** A tool definition (ToolSpecification reference). */
export interface BedrockToolSpec {
  toolSpec: { name: string; description?: string; inputSchema: { json: Record<string, unknown> } };
}

/** How the model picks tools (ToolChoice reference: exactly one of auto, any, tool). */
export type BedrockToolChoice = { auto: Record<string, never> } | { any: Record<string, never> } | { tool: { name: string } };

/** The tools a request offers (ToolConfiguration reference). */
export interface BedrockToolConfig {
  tools: Array<BedrockToolSpec | BedrockCachePointBlock>;
  toolChoice?: BedrockToolChoice;
}

/** Sampling options common to every model (InferenceConfiguration reference). */
export interface BedrockInferenceConfig {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stopSequences?: string[];
}

/** A Converse / ConverseStream request body (the model id is in the path). */
/** Converse structured output (OutputConfig reference): the JSON schema the text must match, as a JSON string. */
export interface BedrockOutputConfig {
  textFormat: { type: 'json_schema'; structure: { jsonSchema: { schema: string; name?: string; description?: string } } };
}

export interface BedrockConverseRequest {
  messages: BedrockMessage[];
  system?: BedrockSystemBlock[];
  inferenceConfig?: BedrockInferenceConfig;
  toolConfig?: BedrockToolConfig;
  outputConfig?: BedrockOutputConfig;
  /** Model-specific fields, passed to the model as they are (e.g. Anthropic's `thinking`). */
  additionalModelRequestFields?: Record<string, unknown>;
}
