import type { GatewayError } from '../errors';
import { readUpstreamError } from './upstream-error';

/** The body OpenAI sends with every error: `{"error":{"message","type","param","code"}}`. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** OpenAI's error `type` for a status, for errors we build ourselves or reshape. */
export function openAIErrorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/** Serialises a gateway error in OpenAI's shape. */
export function openAIErrorJson(error: GatewayError): string {
  const body: OpenAIErrorBody = {
    error: { message: error.message, type: error.type, param: error.param, code: error.code },
  };
  return JSON.stringify(body);
}

function isOpenAIErrorBody(value: unknown): value is OpenAIErrorBody {
  if (typeof value !== 'object' || value === null) return false;
  const error = (value as { error?: unknown }).error;
  return typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string';
}

/**
 * A provider's (or Envoy's) error body in OpenAI's shape: kept as it is when it already
 * is one, otherwise wrapped with the provider's text as the message. The status is the
 * caller's to keep.
 */
export function reshapeAsOpenAIError(status: number, body: Buffer): { body: Buffer; changed: boolean } {
  const { parsed, message } = readUpstreamError(status, body);
  if (isOpenAIErrorBody(parsed)) return { body, changed: false };
  const reshaped: OpenAIErrorBody = {
    error: { message, type: openAIErrorType(status), param: null, code: status >= 500 ? 'upstream_error' : null },
  };
  return { body: Buffer.from(JSON.stringify(reshaped)), changed: true };
}
