/**
 * Gemini API wire types (https://ai.google.dev/api/generate-content), only what this gateway
 * writes when it calls `models.generateContent` / `models.streamGenerateContent`. Responses
 * come from the network and are read with guards, not trusted to these types.
 */
import type { OpenAIChatCompletion, OpenAIChatCompletionChunk } from '../anthropic/openai-chat-types';

/** A binary part sent inline; Gemini reads only base64 (Part.inlineData, "Blob"). */
export interface GeminiBlob {
  mimeType: string;
  data: string;
}

/** One part of a turn: exactly one of its data fields is set (Part reference). */
export type GeminiPart =
  | { text: string }
  | { inlineData: GeminiBlob }
  | { functionCall: { name: string; args: Record<string, unknown> }; thoughtSignature?: string }
  | { functionResponse: { name: string; response: { content: unknown } } };

/** A turn of the conversation; Gemini calls the assistant `model`. */
export interface GeminiContent {
  role: 'user' | 'model';
  parts: GeminiPart[];
}

/** The system prompt: a content without a role. */
export interface GeminiSystemInstruction {
  parts: Array<{ text: string }>;
}

/** A function the model may call; `parameters` is Gemini's OpenAPI-subset Schema. */
export interface GeminiFunctionDeclaration {
  name: string;
  description?: string;
  parameters?: Record<string, unknown>;
}

/** Function calling modes (ToolConfig reference, FunctionCallingConfig.Mode). */
export type GeminiFunctionCallingMode = 'AUTO' | 'ANY' | 'NONE';

/** How the model may use the declared functions. */
export interface GeminiToolConfig {
  functionCallingConfig: { mode: GeminiFunctionCallingMode; allowedFunctionNames?: string[] };
}

/** Thinking options (GenerationConfig.thinkingConfig, "Gemini thinking" guide). */
export interface GeminiThinkingConfig {
  thinkingBudget: number;
  includeThoughts: boolean;
}

/** The generation options we set (GenerationConfig reference). */
export interface GeminiGenerationConfig {
  stopSequences?: string[];
  responseMimeType?: string;
  responseSchema?: Record<string, unknown>;
  candidateCount?: number;
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  thinkingConfig?: GeminiThinkingConfig;
}

/** A `GenerateContentRequest` body (the model is in the path, not the body). */
export interface GeminiRequest {
  contents: GeminiContent[];
  systemInstruction?: GeminiSystemInstruction;
  tools?: Array<{ functionDeclarations: GeminiFunctionDeclaration[] }>;
  toolConfig?: GeminiToolConfig;
  generationConfig?: GeminiGenerationConfig;
}

/** An OpenAI completion choice whose index may be above 0: Gemini returns `candidateCount` candidates. */
export type OpenAIChoice = Omit<OpenAIChatCompletion['choices'][number], 'index'> & { index: number };

/** A `chat.completion` with one choice per Gemini candidate. */
export type OpenAICompletion = Omit<OpenAIChatCompletion, 'choices'> & { choices: OpenAIChoice[] };

/** A streamed choice whose index may be above 0. */
export type OpenAIChunkChoice = Omit<OpenAIChatCompletionChunk['choices'][number], 'index'> & { index: number };

/** A `chat.completion.chunk` with one choice per Gemini candidate in the event (none in the usage chunk). */
export type OpenAIChunk = Omit<OpenAIChatCompletionChunk, 'choices'> & { choices: OpenAIChunkChoice[] };
