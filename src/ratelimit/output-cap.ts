import type { ClientApi, ClientRequest } from '../api/client-request';
import type { RuntimeModelBackend } from '../config/runtime';
import { claudeThinkingBudget } from '../providers/anthropic/convert-reasoning-effort';
import { anthropicMaxTokens } from '../providers/anthropic/convert-to-anthropic-request';
import { isAnthropicModelId } from '../providers/bedrock/convert-anthropic-request-to-bedrock';
import { converseMaxTokens } from '../providers/bedrock/convert-to-bedrock-request';
import { isClaudeModel } from '../providers/vertex/on-vertex';

/**
 * The request fields that cap a response's output, per client API. Each counts reasoning:
 * Chat Completions' `max_completion_tokens` and the Responses API's `max_output_tokens`
 * include reasoning tokens (API references); Anthropic's thinking budget must be below
 * `max_tokens` and counts against it (extended-thinking guide). `max_tokens` in Chat
 * Completions is deprecated but still read by most OpenAI-compatible servers.
 */
export const OUTPUT_CAP_FIELDS: Readonly<Record<ClientApi, readonly string[]>> = {
  'openai-chat': ['max_completion_tokens', 'max_tokens'],
  'openai-completions': ['max_tokens'],
  'openai-responses': ['max_output_tokens'],
  'anthropic-messages': ['max_tokens'],
  'openai-embeddings': [],
};

function positiveInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

/**
 * The client's own output cap, read from its API's fields only (a `max_output_tokens` in a
 * chat request caps nothing: translators drop it and OpenAI rejects it). With both chat
 * fields set, the larger: translators read `max_completion_tokens`, but a pass-through server
 * may read only `max_tokens`.
 */
export function requestedOutputCap(request: ClientRequest): number | undefined {
  const caps = OUTPUT_CAP_FIELDS[request.api].map((field) => positiveInteger(request.body[field])).filter((cap) => cap !== undefined);
  return caps.length === 0 ? undefined : Math.max(...caps);
}

/** Prompts of a legacy completions request: each array item (strings or token id arrays) is one, a token id array one in all. */
function promptCount(prompt: unknown): number {
  if (!Array.isArray(prompt) || prompt.length === 0 || typeof prompt[0] === 'number') return 1;
  return prompt.length;
}

/**
 * Choices the response may hold (or the provider generate and bill): Chat Completions' `n`
 * (Gemini's candidateCount); legacy completions' `n` or `best_of`, whichever is larger, for
 * each prompt; one elsewhere.
 */
export function outputChoices(request: ClientRequest): number {
  const n = positiveInteger(request.body.n) ?? 1;
  if (request.api === 'openai-chat') return n;
  if (request.api === 'openai-completions') return Math.max(n, positiveInteger(request.body.best_of) ?? 1) * promptCount(request.body.prompt);
  return 1;
}

/**
 * The cap one backend's translation sends, when it differs from the client's: a chat request
 * to Claude (Anthropic, Vertex, Bedrock InvokeModel) gets max_tokens 4096 when it named none,
 * and with `reasoning_effort` is raised above the thinking budget; Bedrock Converse raises
 * Claude's maxTokens the same way. Undefined: the backend uses the client's cap, or none.
 */
function translatedCap(request: ClientRequest, entry: RuntimeModelBackend, requested: number | undefined): number | undefined {
  if (request.api !== 'openai-chat') return requested;
  const { kind, bedrockApi } = entry.backend;
  const model = entry.upstreamModel ?? request.model;
  const budget = claudeThinkingBudget(request.body.reasoning_effort);
  if (kind === 'anthropic' || (kind === 'vertex' && isClaudeModel(model)) || (kind === 'bedrock' && bedrockApi === 'invoke')) return anthropicMaxTokens(requested, budget);
  if (kind === 'bedrock' && isAnthropicModelId(model)) return converseMaxTokens(requested, budget);
  return requested;
}

/**
 * The most output a request can be charged for on any of its model's backends: the largest
 * cap a backend's translation sends (the client's, raised where a translation raises it), or
 * `defaultOutputTokens` for a backend that gets none (then the provider's own limit applies
 * and this is only a guess: see rateLimits.enforceOutputCap), times the choices asked for.
 * Embeddings generate nothing.
 */
export function outputCap(request: ClientRequest, backends: readonly RuntimeModelBackend[], defaultOutputTokens: number): number {
  if (request.api === 'openai-embeddings') return 0;
  const requested = requestedOutputCap(request);
  const caps = backends.map((entry) => translatedCap(request, entry, requested) ?? defaultOutputTokens);
  return Math.max(requested ?? defaultOutputTokens, ...caps) * outputChoices(request);
}
