import type { GatewayError } from '../errors';
import { readUpstreamError } from './upstream-error';

/** Anthropic's error body: `{"type":"error","error":{"type","message"}}`. */
export interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string };
}

/**
 * Anthropic's error `type` for a status (https://docs.anthropic.com/en/api/errors):
 * 400 invalid_request_error, 401 authentication_error, 403 permission_error, 404
 * not_found_error, 413 request_too_large, 429 rate_limit_error, 500 api_error,
 * 529 overloaded_error.
 */
export function anthropicErrorType(status: number): string {
  switch (status) {
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 529:
    case 503:
      return 'overloaded_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

/** A gateway error in Anthropic's shape; the type follows the status, as Anthropic's do. */
export function anthropicErrorJson(error: GatewayError): string {
  const body: AnthropicErrorBody = { type: 'error', error: { type: anthropicErrorType(error.status), message: error.message } };
  return JSON.stringify(body);
}

function isAnthropicErrorBody(value: unknown): value is AnthropicErrorBody {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as { type?: unknown; error?: unknown };
  return record.type === 'error' && typeof record.error === 'object' && record.error !== null && typeof (record.error as { message?: unknown }).message === 'string';
}

/** An upstream (or Envoy) error body in Anthropic's shape: kept when it already is one, else wrapped. */
export function reshapeAsAnthropicError(status: number, body: Buffer): { body: Buffer; changed: boolean } {
  const { parsed, message } = readUpstreamError(status, body);
  if (isAnthropicErrorBody(parsed)) return { body, changed: false };
  const reshaped: AnthropicErrorBody = { type: 'error', error: { type: anthropicErrorType(status), message } };
  return { body: Buffer.from(JSON.stringify(reshaped)), changed: true };
}
