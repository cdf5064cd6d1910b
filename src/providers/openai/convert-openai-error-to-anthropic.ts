import { anthropicErrorType } from '../../api/anthropic-errors';
import type { AnthropicErrorBody } from '../../api/anthropic-errors';
import { isRecord } from '../anthropic/json-guards';

/**
 * OpenAI error types (https://platform.openai.com/docs/guides/error-codes) → Anthropic
 * error types (https://docs.anthropic.com/en/api/errors). `insufficient_quota` comes with
 * a 429, which Anthropic clients know as a rate limit.
 */
const ANTHROPIC_TYPES: ReadonlyMap<string, string> = new Map([
  ['invalid_request_error', 'invalid_request_error'],
  ['authentication_error', 'authentication_error'],
  ['permission_error', 'permission_error'],
  ['not_found_error', 'not_found_error'],
  ['rate_limit_error', 'rate_limit_error'],
  ['insufficient_quota', 'rate_limit_error'],
  ['server_error', 'api_error'],
]);

/** Anthropic's type for an OpenAI error object: by its type, else by the HTTP status some servers (vLLM) put in `code`. */
function typeOf(error: Record<string, unknown>): string {
  const known = typeof error.type === 'string' ? ANTHROPIC_TYPES.get(error.type) : undefined;
  if (known !== undefined) return known;
  return typeof error.code === 'number' && error.code >= 400 && error.code <= 599 ? anthropicErrorType(error.code) : 'api_error';
}

/**
 * An OpenAI error object that arrived without an HTTP status of its own — mid-stream
 * (`data: {"error":{...}}`) or in a 200 body — as Anthropic's error body. `{"error":"..."}`,
 * as some OpenAI-compatible servers write it, keeps its text; anything unreadable gets
 * `fallbackMessage`. (Error responses with a status go through reshapeAsAnthropicError,
 * which types them by status, as Anthropic's own errors are.)
 */
export function errorWithoutStatus(value: unknown, fallbackMessage: string): AnthropicErrorBody {
  const error = isRecord(value) ? value.error : undefined;
  if (typeof error === 'string' && error !== '') return { type: 'error', error: { type: 'api_error', message: error } };
  if (!isRecord(error) || typeof error.message !== 'string') return { type: 'error', error: { type: 'api_error', message: fallbackMessage } };
  return { type: 'error', error: { type: typeOf(error), message: error.message } };
}
