import { invalidRequest } from '../../errors';
import { claudeThinkingBudget } from '../anthropic/convert-reasoning-effort';
import { isRecord, isSet } from '../anthropic/json-guards';
import type { BedrockConverseRequest, BedrockInferenceConfig, BedrockMessage } from './bedrock-types';
import { withBedrockToolIds } from '../history-ids';
import { convertOpenAIMessagesToBedrock } from './convert-openai-messages-to-bedrock';
import { convertOpenAIToolsToBedrock } from './convert-openai-tools-to-bedrock';

/** Request keys this translation reads; every other key the client set is dropped with a warning. */
const TRANSLATED = new Set([
  'model', 'messages', 'max_tokens', 'max_completion_tokens', 'stop', 'temperature', 'top_p', 'tools', 'tool_choice',
  'parallel_tool_calls', 'reasoning_effort', 'stream', 'response_format', 'n',
]);
/** Dropped without a warning: the gateway computes stream usage itself, and ConverseStream always sends it. */
const DROPPED_QUIETLY = new Set(['stream_options']);
/** Room for the answer above the thinking budget: Claude needs max_tokens > budget_tokens. */
const ANSWER_ROOM = 4096;

/** What the request is translated for. */
export interface BedrockRequestContext {
  /** The Bedrock model id (or inference profile id) the path names. */
  readonly modelId: string;
  /** The backend's name, for error messages. */
  readonly backendName: string;
}

/** The Converse body, and the options dropped or changed on the way. */
export interface ConvertedBedrockRequest {
  body: BedrockConverseRequest;
  warnings: string[];
}

/** Anthropic models on Bedrock, also through a cross-region inference profile (`us.anthropic.…`). */
function isAnthropicModel(modelId: string): boolean {
  return /^([a-z]{2,4}\.)?anthropic\./.test(modelId);
}

function readNumber(body: Readonly<Record<string, unknown>>, param: string): number | undefined {
  const value = body[param];
  if (!isSet(value)) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidRequest(`${param} must be a number.`, param);
  return value;
}

function readStop(stop: unknown): string[] {
  if (!isSet(stop)) return [];
  if (typeof stop === 'string') return [stop];
  if (Array.isArray(stop) && stop.every((item): item is string => typeof item === 'string')) return stop;
  throw invalidRequest('stop must be a string or an array of strings.', 'stop');
}

/** Options whose loss would change the answer: refused with 400 rather than dropped. */
function rejectUnenforceable(body: Readonly<Record<string, unknown>>, backendName: string): void {
  const format = body.response_format;
  if (isRecord(format) && format.type !== 'text') {
    throw invalidRequest(`response_format ${String(format.type)} cannot be enforced by backend "${backendName}" (bedrock): Converse has no equivalent.`, 'response_format', 'unsupported_parameter');
  }
  if (isSet(body.n) && body.n !== 1) throw invalidRequest(`n must be 1: backend "${backendName}" (bedrock) returns one choice per request.`, 'n', 'unsupported_value');
}

/** True when the last assistant turn comes after the last user turn that is not only tool results (a tool loop, a prefill). */
function continuesAssistantTurn(messages: readonly BedrockMessage[]): boolean {
  for (let index = messages.length - 1; index >= 0; index--) {
    if (messages[index].role === 'assistant') return true;
    if (!messages[index].content.every((block) => 'toolResult' in block)) return false;
  }
  return false;
}

/**
 * `reasoning_effort` → Anthropic's `thinking` in additionalModelRequestFields, the way the
 * Bedrock user guide passes Claude's extended thinking through Converse. Other model families
 * take no such field, so it is dropped there with a warning.
 */
function readThinkingBudget(effort: unknown, modelId: string, messages: readonly BedrockMessage[], warnings: string[]): number | undefined {
  if (!isSet(effort) || effort === 'none' || effort === 'minimal') return undefined;
  // The anthropic backend's budgets: Claude is the same model on Bedrock.
  const budget = claudeThinkingBudget(effort);
  if (budget === undefined) throw invalidRequest('reasoning_effort must be one of none, minimal, low, medium, high.', 'reasoning_effort', 'unsupported_value');
  if (!isAnthropicModel(modelId)) {
    warnings.push(`dropped reasoning_effort: bedrock model ${modelId} takes no thinking budget`);
    return undefined;
  }
  if (continuesAssistantTurn(messages)) {
    // Claude then needs the turn's signed thinking block first, which OpenAI clients never send back.
    warnings.push('dropped reasoning_effort: claude needs the signed thinking block of the turn being continued');
    return undefined;
  }
  return budget;
}

/**
 * The maxTokens this translation sends: the client's cap (none: the model's own default),
 * raised to the thinking budget plus ANSWER_ROOM when it is not above the budget. Rate limits
 * reserve it.
 */
export function converseMaxTokens(requested: number | undefined, thinkingBudget: number | undefined): number | undefined {
  return thinkingBudget !== undefined && (requested ?? 0) <= thinkingBudget ? thinkingBudget + ANSWER_ROOM : requested;
}

function readInferenceConfig(body: Readonly<Record<string, unknown>>, budget: number | undefined, warnings: string[]): BedrockInferenceConfig {
  const config: BedrockInferenceConfig = {};
  const maxParam = isSet(body.max_completion_tokens) ? 'max_completion_tokens' : 'max_tokens';
  const requested = body[maxParam];
  if (isSet(requested) && (typeof requested !== 'number' || !Number.isInteger(requested) || requested < 1)) throw invalidRequest(`${maxParam} must be a positive integer.`, maxParam);
  const maxTokens = converseMaxTokens(typeof requested === 'number' ? requested : undefined, budget);
  if (maxTokens !== undefined) config.maxTokens = maxTokens;
  if (typeof requested === 'number' && maxTokens !== requested) warnings.push(`raised ${maxParam} to ${maxTokens}: it must exceed the thinking budget`);
  const temperature = readNumber(body, 'temperature');
  const topP = readNumber(body, 'top_p');
  // Claude's extended thinking allows neither a changed temperature nor top_p below 0.95 (extended-thinking guide).
  if (temperature !== undefined && budget !== undefined && temperature !== 1) warnings.push('dropped temperature: not allowed with extended thinking (reasoning_effort)');
  else if (temperature !== undefined) config.temperature = temperature;
  if (topP !== undefined && budget !== undefined && topP < 0.95) warnings.push('dropped top_p: not allowed with extended thinking (reasoning_effort)');
  else if (topP !== undefined) config.topP = topP;
  const stop = readStop(body.stop);
  if (stop.length > 0) config.stopSequences = stop;
  return config;
}

/**
 * An OpenAI chat completions body as a Converse request body
 * (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_RequestSyntax).
 * Throws a 400 GatewayError for what Bedrock cannot read (image URLs, unreadable tool
 * arguments, JSON modes); drops, with a warning, the options it merely cannot honour.
 */
export function convertToBedrockRequest(body: Readonly<Record<string, unknown>>, context: BedrockRequestContext): ConvertedBedrockRequest {
  const warnings: string[] = [];
  if (!Array.isArray(body.messages)) throw invalidRequest('The messages parameter must be a non-empty array.', 'messages');
  rejectUnenforceable(body, context.backendName);
  const { system, messages: converted } = convertOpenAIMessagesToBedrock(body.messages);
  // Tool-call ids from other providers (`functions.get_weather:1`, `call_` + 60) break Bedrock's rule.
  const messages = withBedrockToolIds(converted);
  if (messages.length === 0) {
    throw invalidRequest(`backend "${context.backendName}" (bedrock) needs at least one user or assistant message with content.`, 'messages');
  }
  const toolConfig = convertOpenAIToolsToBedrock(body, warnings);
  const budget = readThinkingBudget(body.reasoning_effort, context.modelId, messages, warnings);
  const inferenceConfig = readInferenceConfig(body, budget, warnings);
  // Key order follows the Converse request syntax, which keeps logged bodies easy to read.
  const request: BedrockConverseRequest = {
    messages,
    ...(system.length > 0 ? { system } : {}),
    ...(Object.keys(inferenceConfig).length > 0 ? { inferenceConfig } : {}),
    ...(toolConfig ? { toolConfig } : {}),
    ...(budget !== undefined ? { additionalModelRequestFields: { thinking: { type: 'enabled', budget_tokens: budget } } } : {}),
  };
  for (const [key, value] of Object.entries(body)) {
    // `false` asks for nothing (logprobs: false, store: false), so dropping it loses nothing.
    if (TRANSLATED.has(key) || DROPPED_QUIETLY.has(key) || !isSet(value) || value === false) continue;
    warnings.push(`dropped ${key}: not supported by bedrock`);
  }
  return { body: request, warnings };
}
