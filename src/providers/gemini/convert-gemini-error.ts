import { openAIErrorType, reshapeAsOpenAIError } from '../../api/openai-errors';
import type { OpenAIErrorBody } from '../../api/openai-errors';
import { isRecord, parseJson } from '../anthropic/json-guards';

/** A Gemini error: `{"error":{"code":400,"message":"...","status":"INVALID_ARGUMENT"}}`. */
export interface GeminiError {
  code: number | undefined;
  message: string;
  status: string;
}

/**
 * Reads Google's error shape (https://ai.google.dev/gemini-api/docs/troubleshooting, the
 * google.rpc.Status JSON mapping); undefined for any other body. `status` tells it apart
 * from an OpenAI error, which also has `error.message`.
 */
export function readGeminiError(value: unknown): GeminiError | undefined {
  if (!isRecord(value) || !isRecord(value.error)) return undefined;
  const { code, message, status } = value.error;
  if (typeof message !== 'string' || typeof status !== 'string') return undefined;
  return { code: typeof code === 'number' ? code : undefined, message, status };
}

/**
 * A Gemini error in OpenAI's shape: the type follows the HTTP status as OpenAI's do (400
 * invalid_request_error, 401 authentication_error, 403 permission_error, 404 not_found_error,
 * 429 rate_limit_error, 5xx server_error) and Gemini's status string is kept as the `code`.
 */
export function toOpenAIErrorFromGemini(error: GeminiError, status: number): OpenAIErrorBody {
  return { error: { message: error.message, type: openAIErrorType(status), param: null, code: error.status } };
}

/**
 * An upstream error response body for an OpenAI client: Gemini's shape is translated;
 * anything else (Envoy's own replies, proxies' HTML) is wrapped the generic way.
 */
export function convertGeminiError(status: number, body: Buffer): Buffer {
  const error = readGeminiError(parseJson(body.toString('utf8')));
  if (!error) return reshapeAsOpenAIError(status, body).body;
  return Buffer.from(JSON.stringify(toOpenAIErrorFromGemini(error, status)));
}
