import { withBody } from '../api/client-request';
import type { ClientRequest } from '../api/client-request';
import type { RuntimeBackend } from '../config/runtime';

/** Azure OpenAI takes max_completion_tokens from this api-version on (and in the v1 API). */
const AZURE_MAX_COMPLETION_TOKENS_SINCE = '2024-09-01';

/** Hosts of OpenAI-compatible APIs that document max_completion_tokens (OpenAI's own, including its regional hosts; Groq). */
const MAX_COMPLETION_TOKENS_HOSTS = [/^(?:[a-z0-9-]+\.)?api\.openai\.com$/, /^api\.groq\.com$/];

/**
 * Whether a pass-through Chat Completions backend takes `max_completion_tokens`. OpenAI's
 * reasoning models reject `max_tokens` ("not compatible with o-series models", Chat
 * Completions reference), so OpenAI gets the new field; Azure OpenAI added it in
 * 2024-09-01-preview (api-version lifecycle page); other OpenAI-compatible servers read
 * `max_tokens` and may ignore or refuse the newer field, so they get the old one.
 */
export function takesMaxCompletionTokens(backend: RuntimeBackend): boolean {
  if (backend.kind === 'azure-openai') return backend.apiVersion === 'v1' || backend.apiVersion >= AZURE_MAX_COMPLETION_TOKENS_SINCE;
  return backend.kind === 'openai' && MAX_COMPLETION_TOKENS_HOSTS.some((host) => host.test(backend.host));
}

/** The request an attempt translates, and the warning that names the cap aigw set. */
export interface CappedAttempt {
  readonly request: ClientRequest;
  readonly warning: string;
}

/**
 * For a request whose output cap aigw set (rateLimits.enforceOutputCap), the body this
 * attempt's backend reads it from, and the warning naming it. Chat Completions requests carry
 * the cap as `max_completion_tokens`; a pass-through backend not known to take that field gets
 * it as `max_tokens`. Translated backends map the field to their own (Anthropic `max_tokens`,
 * Gemini `maxOutputTokens`, Bedrock `maxTokens`). Undefined when aigw set no cap.
 */
export function gatewayOutputCapFor(request: ClientRequest, backend: RuntimeBackend): CappedAttempt | undefined {
  const cap = request.gatewayOutputCap;
  if (cap === undefined) return undefined;
  const passThrough = backend.kind === 'openai' || backend.kind === 'azure-openai';
  if (request.api === 'openai-chat' && passThrough && !takesMaxCompletionTokens(backend)) {
    const body: Record<string, unknown> = { ...request.body, max_tokens: cap };
    delete body.max_completion_tokens;
    return { request: withBody(request, body), warning: capWarning('max_tokens', cap) };
  }
  const field = request.api === 'openai-chat' ? 'max_completion_tokens' : request.api === 'openai-completions' ? 'max_tokens' : 'max_output_tokens';
  return { request, warning: capWarning(field, cap) };
}

function capWarning(field: string, cap: number): string {
  return `set ${field} to ${cap}: the request named no output cap and rate limits reserve one (rateLimits.enforceOutputCap)`;
}
