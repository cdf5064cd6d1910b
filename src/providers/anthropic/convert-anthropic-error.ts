import { openAIErrorType, reshapeAsOpenAIError } from '../../api/openai-errors';
import type { OpenAIErrorBody } from '../../api/openai-errors';
import { isRecord, parseJson } from './json-guards';

/**
 * Anthropic error types (https://docs.anthropic.com/en/api/errors) → OpenAI error types.
 * Anthropic's overload (529) and internal errors are server errors to an OpenAI client.
 */
const OPENAI_TYPES: ReadonlyMap<string, string> = new Map([
  ['invalid_request_error', 'invalid_request_error'],
  ['authentication_error', 'authentication_error'],
  ['permission_error', 'permission_error'],
  ['not_found_error', 'not_found_error'],
  ['rate_limit_error', 'rate_limit_error'],
  ['overloaded_error', 'server_error'],
  ['api_error', 'server_error'],
  ['timeout_error', 'server_error'],
]);

/**
 * An Anthropic error object in OpenAI's shape; Anthropic's own type is kept as the `code`
 * so clients can still tell an overload from an internal error. Types not in the table
 * (billing_error, request_too_large, ...) get OpenAI's type for the status.
 */
export function toOpenAIError(anthropicType: string, message: string, status: number): OpenAIErrorBody {
  const type = OPENAI_TYPES.get(anthropicType) ?? openAIErrorType(status);
  return { error: { message, type, param: null, code: anthropicType } };
}

/** Reads `{"type":"error","error":{"type","message"}}`; undefined for any other body. */
export function readAnthropicError(value: unknown): { type: string; message: string } | undefined {
  if (!isRecord(value) || value.type !== 'error' || !isRecord(value.error)) return undefined;
  const { type, message } = value.error;
  return typeof type === 'string' && typeof message === 'string' ? { type, message } : undefined;
}

/**
 * An upstream error response body for an OpenAI client: Anthropic's shape is translated;
 * anything else (Envoy's own replies, proxies' HTML) is wrapped the generic way.
 */
export function convertAnthropicError(status: number, body: Buffer): Buffer {
  const error = readAnthropicError(parseJson(body.toString('utf8')));
  if (!error) return reshapeAsOpenAIError(status, body).body;
  return Buffer.from(JSON.stringify(toOpenAIError(error.type, error.message, status)));
}
