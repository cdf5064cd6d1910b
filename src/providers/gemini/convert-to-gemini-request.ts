import { invalidRequest } from '../../errors';
import { isRecord, isSet } from '../anthropic/json-guards';
import { convertOpenAIMessagesToGemini } from './convert-openai-messages-to-gemini';
import { convertOpenAIToolsToGemini, toGeminiSchema } from './convert-openai-tools-to-gemini';
import type { GeminiGenerationConfig, GeminiRequest, GeminiThinkingConfig } from './gemini-types';

/** Request keys this translation reads; every other key the client set is dropped with a warning. */
const TRANSLATED = new Set([
  'model', 'messages', 'max_tokens', 'max_completion_tokens', 'stop', 'temperature', 'top_p', 'top_k', 'tools', 'tool_choice',
  'parallel_tool_calls', 'reasoning_effort', 'stream', 'response_format', 'n', 'seed', 'presence_penalty', 'frequency_penalty',
]);
/** Dropped without a warning: the gateway computes stream usage itself, and Gemini streams always carry it. */
const DROPPED_QUIETLY = new Set(['stream_options']);

/** OpenAI numeric option → Gemini generationConfig field. */
const NUMERIC_OPTIONS: ReadonlyArray<[string, keyof GeminiGenerationConfig]> = [
  ['temperature', 'temperature'],
  ['top_p', 'topP'],
  ['top_k', 'topK'],
  ['seed', 'seed'],
  ['presence_penalty', 'presencePenalty'],
  ['frequency_penalty', 'frequencyPenalty'],
];

/**
 * Thinking budgets per OpenAI effort, in tokens. 24576 is the largest budget Gemini 2.5
 * Flash takes ("Gemini thinking" guide, budget ranges), so `high` works on every 2.5 model.
 */
const BUDGETS: ReadonlyMap<string, number> = new Map([
  ['low', 1024],
  ['medium', 8192],
  ['high', 24576],
]);

/** What the request is translated for. */
export interface GeminiRequestContext {
  /** The backend's name, for error messages. */
  readonly backendName: string;
  /** Endpoint tag of the thought signatures this backend accepts (default `gemini`, AI Studio). */
  readonly signatureEndpoint?: string;
}

/** The Gemini body, and the options dropped on the way. */
export interface ConvertedGeminiRequest {
  body: GeminiRequest;
  warnings: string[];
}

function positiveInteger(body: Readonly<Record<string, unknown>>, param: string): number | undefined {
  const value = body[param];
  if (!isSet(value)) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw invalidRequest(`${param} must be a positive integer.`, param);
  return value;
}

function readStop(stop: unknown): string[] {
  if (!isSet(stop)) return [];
  if (typeof stop === 'string') return [stop];
  if (Array.isArray(stop) && stop.every((item): item is string => typeof item === 'string')) return stop;
  throw invalidRequest('stop must be a string or an array of strings.', 'stop');
}

/**
 * `reasoning_effort` → thinkingConfig with a budget and `includeThoughts`, so the thought
 * summaries can be returned as `reasoning_content`. `none` and `minimal` are dropped with a
 * warning: Gemini 2.5 Pro cannot turn thinking off (budget 0 is a 400 there).
 */
function readThinking(effort: unknown, warnings: string[]): GeminiThinkingConfig | undefined {
  if (!isSet(effort)) return undefined;
  if (effort === 'none' || effort === 'minimal') {
    warnings.push(`dropped reasoning_effort ${effort}: gemini models choose their own thinking budget`);
    return undefined;
  }
  const budget = typeof effort === 'string' ? BUDGETS.get(effort) : undefined;
  if (budget === undefined) throw invalidRequest('reasoning_effort must be one of none, minimal, low, medium, high.', 'reasoning_effort', 'unsupported_value');
  return { thinkingBudget: budget, includeThoughts: true };
}

/** `response_format` → responseMimeType and, for json_schema, responseSchema ("Structured output" guide). */
function readResponseFormat(format: unknown): Pick<GeminiGenerationConfig, 'responseMimeType' | 'responseSchema'> {
  if (!isSet(format)) return {};
  if (!isRecord(format)) throw invalidRequest('response_format must be an object.', 'response_format');
  if (format.type === 'text') return {};
  if (format.type === 'json_object') return { responseMimeType: 'application/json' };
  if (format.type === 'json_schema' && isRecord(format.json_schema)) {
    const schema = format.json_schema.schema;
    return { responseMimeType: 'application/json', ...(isRecord(schema) ? { responseSchema: toGeminiSchema(schema) } : {}) };
  }
  throw invalidRequest('response_format.type must be text, json_object or json_schema (with a json_schema object).', 'response_format');
}

function readGenerationConfig(body: Readonly<Record<string, unknown>>, warnings: string[]): GeminiGenerationConfig {
  const config: GeminiGenerationConfig = {};
  const stop = readStop(body.stop);
  if (stop.length > 0) config.stopSequences = stop;
  Object.assign(config, readResponseFormat(body.response_format));
  const candidates = positiveInteger(body, 'n');
  if (candidates !== undefined && candidates !== 1) config.candidateCount = candidates;
  const maxTokens = positiveInteger(body, isSet(body.max_completion_tokens) ? 'max_completion_tokens' : 'max_tokens');
  if (maxTokens !== undefined) config.maxOutputTokens = maxTokens;
  for (const [option, field] of NUMERIC_OPTIONS) {
    const value = body[option];
    if (!isSet(value)) continue;
    if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidRequest(`${option} must be a number.`, option);
    Object.assign(config, { [field]: value });
  }
  const thinking = readThinking(body.reasoning_effort, warnings);
  if (thinking) config.thinkingConfig = thinking;
  return config;
}

/**
 * An OpenAI chat completions body as a Gemini `GenerateContentRequest`
 * (https://ai.google.dev/api/generate-content#request-body). Throws a 400 GatewayError for
 * what Gemini cannot read (image URLs, unreadable tool arguments); drops, with a warning, the
 * options it merely cannot honour (logprobs, logit_bias, user, store, ...).
 */
export function convertToGeminiRequest(body: Readonly<Record<string, unknown>>, context: GeminiRequestContext): ConvertedGeminiRequest {
  const warnings: string[] = [];
  if (!Array.isArray(body.messages)) throw invalidRequest('The messages parameter must be a non-empty array.', 'messages');
  const { systemInstruction, contents } = convertOpenAIMessagesToGemini(body.messages, context.signatureEndpoint);
  if (contents.length === 0) {
    throw invalidRequest(`backend "${context.backendName}" (gemini) needs at least one user or assistant message with content.`, 'messages');
  }
  const { tools, toolConfig } = convertOpenAIToolsToGemini(body, warnings);
  const generationConfig = readGenerationConfig(body, warnings);
  // Key order follows the generateContent reference, which keeps logged bodies easy to read.
  const request: GeminiRequest = {
    contents,
    ...(tools ? { tools } : {}),
    ...(toolConfig ? { toolConfig } : {}),
    ...(systemInstruction ? { systemInstruction } : {}),
    ...(Object.keys(generationConfig).length > 0 ? { generationConfig } : {}),
  };
  for (const [key, value] of Object.entries(body)) {
    // `false` asks for nothing (logprobs: false, store: false), so dropping it loses nothing.
    if (TRANSLATED.has(key) || DROPPED_QUIETLY.has(key) || !isSet(value) || value === false) continue;
    warnings.push(`dropped ${key}: not supported by gemini`);
  }
  return { body: request, warnings };
}
