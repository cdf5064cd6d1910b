import { invalidRequest } from '../../errors';
import type { AnthropicRequest } from './anthropic-types';
import { withAnthropicToolIds } from '../history-ids';
import { convertOpenAIMessages } from './convert-openai-messages';
import { convertOpenAITools } from './convert-openai-tools';
import { convertReasoningEffort } from './convert-reasoning-effort';
import { convertResponseFormat } from './convert-response-format';
import { convertSamplingOptions } from './convert-sampling-options';
import { isSet } from './json-guards';

/** Anthropic requires max_tokens; OpenAI clients often leave it out. */
export const DEFAULT_MAX_TOKENS = 4096;
/** Room for the answer when max_tokens has to be raised above the thinking budget. */
const ANSWER_ROOM = 1024;

/** Request keys this translation reads; every other key the client set is dropped with a warning. */
const TRANSLATED = new Set([
  'model', 'messages', 'max_tokens', 'max_completion_tokens', 'stop', 'temperature', 'top_p', 'top_k', 'tools', 'tool_choice',
  'parallel_tool_calls', 'reasoning_effort', 'stream', 'user', 'response_format', 'n',
]);
/** Dropped without a warning: the gateway computes stream usage itself. */
const DROPPED_QUIETLY = new Set(['stream_options']);

/** What the request is translated for. */
export interface AnthropicRequestContext {
  /** The model name to send. */
  readonly model: string;
  readonly anthropicVersion: string;
  /** The backend's name, for error messages. */
  readonly backendName: string;
}

/** The Anthropic body, and the options dropped or changed on the way. */
export interface ConvertedRequest {
  body: AnthropicRequest;
  warnings: string[];
}

/** Options whose loss would change the answer: refused with 400 rather than dropped. */
function rejectUnenforceable(body: Readonly<Record<string, unknown>>, backendName: string): void {
  if (isSet(body.n) && body.n !== 1) {
    throw invalidRequest(`n must be 1: backend "${backendName}" (anthropic) returns one choice per request.`, 'n', 'unsupported_value');
  }
}

/** `max_completion_tokens` (current) or `max_tokens` (deprecated), if the client set either. */
function readMaxTokens(body: Readonly<Record<string, unknown>>): number | undefined {
  const param = isSet(body.max_completion_tokens) ? 'max_completion_tokens' : 'max_tokens';
  const value = body[param];
  if (!isSet(value)) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw invalidRequest(`${param} must be a positive integer.`, param);
  return value;
}

/**
 * The max_tokens this translation sends: the client's cap, else DEFAULT_MAX_TOKENS, raised to
 * the thinking budget plus ANSWER_ROOM when it is not above the budget (the budget counts
 * against max_tokens and must be below it, extended-thinking guide). Rate limits reserve it.
 */
export function anthropicMaxTokens(requested: number | undefined, thinkingBudget: number | undefined): number {
  const value = requested ?? DEFAULT_MAX_TOKENS;
  return thinkingBudget !== undefined && value <= thinkingBudget ? thinkingBudget + ANSWER_ROOM : value;
}

function readStop(stop: unknown): string[] {
  if (!isSet(stop)) return [];
  if (typeof stop === 'string') return [stop];
  if (Array.isArray(stop) && stop.every((item): item is string => typeof item === 'string')) return stop;
  throw invalidRequest('stop must be a string or an array of strings.', 'stop');
}

/**
 * An OpenAI chat completions body as an Anthropic Messages body (Messages API reference).
 * `response_format` json_schema becomes structured outputs (convert-response-format.ts).
 * Throws a 400 GatewayError for what Anthropic cannot honour without changing the answer
 * (json_object, n > 1, unreadable images or tool arguments); drops, with a warning,
 * what it merely cannot honour (penalties, logprobs, seed, ...).
 */
export function convertToAnthropicRequest(body: Readonly<Record<string, unknown>>, context: AnthropicRequestContext): ConvertedRequest {
  const warnings: string[] = [];
  rejectUnenforceable(body, context.backendName);
  if (!Array.isArray(body.messages)) throw invalidRequest('The messages parameter must be a non-empty array.', 'messages');
  const { system, messages: converted } = convertOpenAIMessages(body.messages);
  // Tool-call ids other providers write (`functions.get_weather:1`) break Anthropic's id pattern.
  const messages = withAnthropicToolIds(converted);
  const { tools, tool_choice: toolChoice } = convertOpenAITools(body, warnings);
  const thinking = convertReasoningEffort(body.reasoning_effort, { messages, toolChoice }, warnings);
  const requested = readMaxTokens(body);
  const max_tokens = anthropicMaxTokens(requested, thinking?.budget_tokens);
  if (thinking && requested !== undefined && max_tokens !== requested) {
    warnings.push(`raised max_tokens to ${max_tokens}: anthropic needs it above the thinking budget of ${thinking.budget_tokens}`);
  }
  const sampling = convertSamplingOptions(body, { anthropicVersion: context.anthropicVersion, thinking: thinking !== undefined }, warnings);
  const stop = readStop(body.stop);
  const outputConfig = convertResponseFormat(body.response_format, context.backendName);
  if (isSet(body.user) && typeof body.user !== 'string') throw invalidRequest('user must be a string.', 'user');

  // Key order follows the Messages API reference, which keeps logged bodies easy to read.
  const request: AnthropicRequest = {
    model: context.model,
    max_tokens,
    ...(system.length > 0 ? { system } : {}),
    messages,
    ...(tools ? { tools } : {}),
    ...(toolChoice ? { tool_choice: toolChoice } : {}),
    ...(thinking ? { thinking } : {}),
    ...(stop.length > 0 ? { stop_sequences: stop } : {}),
    ...sampling,
    ...(body.stream === true ? { stream: true as const } : {}),
    ...(typeof body.user === 'string' ? { metadata: { user_id: body.user } } : {}),
    ...(outputConfig ? { output_config: outputConfig } : {}),
  };

  for (const [key, value] of Object.entries(body)) {
    // `false` asks for nothing (logprobs: false, store: false), so dropping it loses nothing.
    if (TRANSLATED.has(key) || DROPPED_QUIETLY.has(key) || !isSet(value) || value === false) continue;
    warnings.push(`dropped ${key}: not supported by anthropic`);
  }
  return { body: request, warnings };
}
