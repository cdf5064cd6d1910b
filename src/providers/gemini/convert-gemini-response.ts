import { toOpenAIUsage } from '../anthropic/convert-anthropic-usage';
import { isRecord } from '../anthropic/json-guards';
import type { OpenAIAssistantMessage, OpenAIToolCall } from '../anthropic/openai-chat-types';
import type { TokenUsage } from '../usage';
import type { GeminiIds } from './gemini-ids';
import { readGeminiUsage } from './gemini-usage';
import { mapGeminiFinishReason } from './map-gemini-finish-reason';
import type { OpenAIChoice, OpenAICompletion } from './gemini-types';

/** What one candidate (or one streamed piece of it) says, in OpenAI's terms. */
export interface CandidateContent {
  /** The OpenAI choice index: Gemini's `index`, else the position in `candidates`. */
  index: number;
  text: string;
  /** Text of parts marked `thought: true` (thought summaries, "Gemini thinking" guide). */
  reasoning: string;
  toolCalls: OpenAIToolCall[];
  /** Gemini's finishReason, absent until the candidate is finished. */
  finishReason: unknown;
}

/**
 * Reads a `Candidate` (https://ai.google.dev/api/generate-content#candidate): text parts are
 * joined, thought parts apart from them, and each functionCall part becomes a tool call with
 * a fresh id (carrying the part's thought signature), its `args` object written as the JSON text OpenAI's `arguments` is.
 */
export function readCandidate(candidate: unknown, position: number, ids: GeminiIds): CandidateContent {
  const record = isRecord(candidate) ? candidate : {};
  const content = isRecord(record.content) ? record.content : {};
  const parts = (Array.isArray(content.parts) ? content.parts : []).filter(isRecord);
  const texts: string[] = [];
  const thoughts: string[] = [];
  const toolCalls: OpenAIToolCall[] = [];
  for (const part of parts) {
    if (typeof part.text === 'string') (part.thought === true ? thoughts : texts).push(part.text);
    else if (isRecord(part.functionCall)) {
      const call = part.functionCall;
      const name = typeof call.name === 'string' ? call.name : '';
      // Gemini 3 signs function calls; the signature must come back with the call (see gemini-thought-signatures.ts).
      toolCalls.push({ id: ids.nextToolCallId(part.thoughtSignature), type: 'function', function: { name, arguments: JSON.stringify(isRecord(call.args) ? call.args : {}) } });
    }
    // Signatures on text parts are optional to return and are dropped; executableCode and other parts have no OpenAI counterpart.
  }
  return {
    index: typeof record.index === 'number' ? record.index : position,
    text: texts.join(''),
    reasoning: thoughts.join(''),
    toolCalls,
    finishReason: record.finishReason,
  };
}

/** A prompt Gemini refused to answer: `promptFeedback.blockReason` set, no candidates. */
export function isBlockedPrompt(response: Readonly<Record<string, unknown>>): boolean {
  const candidates = Array.isArray(response.candidates) ? response.candidates : [];
  return candidates.length === 0 && isRecord(response.promptFeedback) && typeof response.promptFeedback.blockReason === 'string';
}

/** A translated response and the usage it reported (undefined when it had none). */
export interface ConvertedGeminiResponse {
  body: OpenAICompletion;
  usage: TokenUsage | undefined;
}

function choiceOf(content: CandidateContent): OpenAIChoice {
  const message: OpenAIAssistantMessage = {
    role: 'assistant',
    content: content.text !== '' ? content.text : null,
    ...(content.reasoning !== '' ? { reasoning_content: content.reasoning } : {}),
    refusal: null,
    ...(content.toolCalls.length > 0 ? { tool_calls: content.toolCalls } : {}),
  };
  return { index: content.index, message, logprobs: null, finish_reason: mapGeminiFinishReason(content.finishReason, content.toolCalls.length > 0) };
}

/** What the response needs besides the Gemini body. */
export interface ResponseContext {
  readonly created: number;
  /** The model the client asked for, used when Gemini sends no `modelVersion`. */
  readonly model: string;
  readonly ids: GeminiIds;
}

/**
 * A `GenerateContentResponse` (https://ai.google.dev/api/generate-content#generatecontentresponse)
 * as an OpenAI `chat.completion`, one choice per candidate. A blocked prompt (no candidates,
 * `promptFeedback.blockReason`) becomes one empty choice finished by `content_filter`, as
 * OpenAI reports its own filtered prompts. Undefined for a body that is not a response.
 */
export function convertGeminiResponse(response: unknown, context: ResponseContext): ConvertedGeminiResponse | undefined {
  if (!isRecord(response) || response.error !== undefined) return undefined;
  const candidates = Array.isArray(response.candidates) ? response.candidates : [];
  const choices = candidates.map((candidate: unknown, position) => choiceOf(readCandidate(candidate, position, context.ids)));
  if (choices.length === 0) {
    const empty: CandidateContent = { index: 0, text: '', reasoning: '', toolCalls: [], finishReason: isBlockedPrompt(response) ? 'SAFETY' : 'STOP' };
    choices.push(choiceOf(empty));
  }
  const usage = readGeminiUsage(response.usageMetadata);
  const body: OpenAICompletion = {
    id: context.ids.completionId(response.responseId),
    object: 'chat.completion',
    created: context.created,
    model: typeof response.modelVersion === 'string' ? response.modelVersion : context.model,
    system_fingerprint: null,
    choices,
    ...(usage ? { usage: toOpenAIUsage(usage) } : {}),
  };
  return { body, usage };
}
