import { invalidRequest } from '../../errors';
import { isRecord, isSet } from '../anthropic/json-guards';
import { withOpenAIToolIds } from '../history-ids';
import type { OpenAIChatRequest, OpenAIReasoningEffort, OpenAIResponseFormat } from './anthropic-to-openai-types';
import { convertMessages, convertSystem } from './convert-anthropic-messages-to-openai';
import type { MessageContext } from './convert-anthropic-messages-to-openai';
import { convertAnthropicTools } from './convert-anthropic-tools-to-openai';

/** Request keys this translation reads; every other key the client set is dropped with a warning. */
const TRANSLATED = new Set([
  'model', 'messages', 'system', 'max_tokens', 'stop_sequences', 'temperature', 'top_p', 'top_k', 'tools', 'tool_choice',
  'thinking', 'metadata', 'stream', 'output_config',
]);
const EFFORTS: readonly string[] = ['low', 'medium', 'high'];

/** What the request is translated for. */
export interface OpenAIRequestContext {
  /** The model name to send. */
  readonly model: string;
  /** The backend's name, for error messages. */
  readonly backendName: string;
  readonly stream: boolean;
  /** The backend takes `stream_options.include_usage` (some OpenAI-compatible servers reject it). */
  readonly streamIncludeUsage: boolean;
}

/** The OpenAI body, and the options dropped or changed on the way. */
export interface ConvertedOpenAIRequest {
  body: OpenAIChatRequest;
  warnings: string[];
}

function readNumber(body: Readonly<Record<string, unknown>>, key: 'temperature' | 'top_p'): Partial<Pick<OpenAIChatRequest, typeof key>> {
  const value = body[key];
  if (!isSet(value)) return {};
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidRequest(`${key} must be a number.`, key);
  return { [key]: value };
}

function readStop(stop: unknown): string[] {
  if (!isSet(stop)) return [];
  if (Array.isArray(stop) && stop.every((item): item is string => typeof item === 'string')) return stop;
  throw invalidRequest('stop_sequences must be an array of strings.', 'stop_sequences');
}

/**
 * Extended thinking's token budget as an OpenAI reasoning effort: below 2048 low, below
 * 8192 medium, else high (Anthropic's minimum budget is 1024). `disabled` sends none, and
 * `adaptive` leaves the effort to the backend's default, which is what adaptive asks for.
 */
function effortOfThinking(thinking: unknown): OpenAIReasoningEffort | undefined {
  if (!isSet(thinking)) return undefined;
  if (!isRecord(thinking)) throw invalidRequest('thinking must be an object.', 'thinking');
  if (thinking.type !== 'enabled') return undefined;
  const budget = thinking.budget_tokens;
  if (typeof budget !== 'number' || !Number.isInteger(budget) || budget < 1) {
    throw invalidRequest('thinking.budget_tokens must be a positive integer.', 'thinking.budget_tokens');
  }
  return budget < 2048 ? 'low' : budget < 8192 ? 'medium' : 'high';
}

/**
 * `output_config` (Messages API reference): `effort` is OpenAI's reasoning_effort, with the
 * levels above high lowered to high, the highest every reasoning model takes; `format` is a
 * JSON schema the reply must match, which OpenAI enforces as a strict json_schema
 * response_format. Dropping it would change the answer, so it is translated, never dropped.
 */
function readOutputConfig(config: unknown, warnings: Set<string>): { effort?: OpenAIReasoningEffort; format?: OpenAIResponseFormat } {
  if (!isSet(config)) return {};
  if (!isRecord(config)) throw invalidRequest('output_config must be an object.', 'output_config');
  const result: { effort?: OpenAIReasoningEffort; format?: OpenAIResponseFormat } = {};
  if (typeof config.effort === 'string') {
    result.effort = EFFORTS.includes(config.effort) ? (config.effort as OpenAIReasoningEffort) : 'high';
    if (result.effort !== config.effort) warnings.add(`lowered output_config.effort ${config.effort} to high: openai's highest common effort`);
  }
  const format = config.format;
  if (isRecord(format)) {
    if (format.type !== 'json_schema' || !isRecord(format.schema)) {
      throw invalidRequest('output_config.format must be {"type":"json_schema","schema":{...}}.', 'output_config.format');
    }
    result.format = { type: 'json_schema', json_schema: { name: 'output', schema: format.schema, strict: true } };
  }
  return result;
}

/**
 * An Anthropic Messages body as an OpenAI Chat Completions body (Messages API reference →
 * Chat Completions reference). Throws a 400 GatewayError for what OpenAI cannot take
 * (documents, server tools, ...); drops, with one warning each, what it merely cannot
 * honour (cache_control, top_k, service_tier, ...).
 */
export function convertAnthropicRequestToOpenAI(body: Readonly<Record<string, unknown>>, context: OpenAIRequestContext): ConvertedOpenAIRequest {
  const warnings = new Set<string>();
  const messageContext: MessageContext = { backendName: context.backendName, warnings };
  if (!Array.isArray(body.messages)) throw invalidRequest('messages: Field required (an array).', 'messages');
  // Tool-use ids another provider wrote may exceed OpenAI's 40 characters (identifier-rules.ts).
  const messages = withOpenAIToolIds([...convertSystem(body.system, messageContext), ...convertMessages(body.messages, messageContext)]);
  const tools = convertAnthropicTools(body, messageContext);
  const output = readOutputConfig(body.output_config, warnings);
  // An explicit effort says more than a budget translated into one.
  const effort = output.effort ?? effortOfThinking(body.thinking);
  const stop = readStop(body.stop_sequences);
  const metadata = isRecord(body.metadata) ? body.metadata : {};
  if (isSet(body.top_k)) warnings.add('dropped top_k: not supported by openai');
  const maxTokens = body.max_tokens;
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) {
    throw invalidRequest('max_tokens: Field required (a positive integer).', 'max_tokens');
  }

  const request: OpenAIChatRequest = {
    model: context.model,
    messages,
    // max_tokens is deprecated in Chat Completions and rejected by reasoning models.
    max_completion_tokens: maxTokens,
    ...(stop.length > 0 ? { stop } : {}),
    ...readNumber(body, 'temperature'),
    ...readNumber(body, 'top_p'),
    ...tools,
    ...(effort !== undefined ? { reasoning_effort: effort } : {}),
    ...(output.format !== undefined ? { response_format: output.format } : {}),
    ...(typeof metadata.user_id === 'string' ? { user: metadata.user_id } : {}),
    ...(context.stream ? { stream: true as const } : {}),
    // Usage comes in a stream only when asked for (Chat Completions reference, stream_options).
    ...(context.stream && context.streamIncludeUsage ? { stream_options: { include_usage: true as const } } : {}),
  };

  for (const [key, value] of Object.entries(body)) {
    if (TRANSLATED.has(key) || !isSet(value)) continue;
    // A top-level cache_control gives the same text as the block-level ones, so one warning covers all.
    warnings.add(`dropped ${key}: not supported by openai`);
  }
  return { body: request, warnings: [...warnings] };
}
