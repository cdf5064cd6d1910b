import { reshapeAsAnthropicError } from '../../api/anthropic-errors';
import { openAIErrorType, reshapeAsOpenAIError } from '../../api/openai-errors';
import type { OpenAIErrorBody } from '../../api/openai-errors';
import { isRecord, parseJson } from '../anthropic/json-guards';

/** Reads Bedrock's error body `{"message":"..."}` (also `Message`, as some AWS services spell it). */
export function readBedrockErrorMessage(value: unknown): string | undefined {
  if (!isRecord(value)) return undefined;
  const message = value.message ?? value.Message;
  return typeof message === 'string' ? message : undefined;
}

/** An error in OpenAI's shape; `code` carries Bedrock's exception name when it is known (stream exception frames). */
export function toOpenAIErrorFromBedrock(message: string, status: number, code: string | null = null): OpenAIErrorBody {
  return { error: { message, type: openAIErrorType(status), param: null, code } };
}

/**
 * An upstream error response body for an OpenAI client. Bedrock's errors are
 * `{"message":"..."}` with the exception name in the `x-amzn-errortype` header (Bedrock
 * Runtime "Common Errors"), which does not reach here, so the type comes from the status:
 * 400 ValidationException, 403 AccessDeniedException, 404 ResourceNotFoundException,
 * 429 ThrottlingException, 5xx InternalServerException / ServiceUnavailableException.
 */
export function convertBedrockError(status: number, body: Buffer): Buffer {
  const message = readBedrockErrorMessage(parseJson(body.toString('utf8')));
  if (message === undefined) return reshapeAsOpenAIError(status, body).body;
  return Buffer.from(JSON.stringify(toOpenAIErrorFromBedrock(message, status)));
}

/**
 * An upstream error response body for an Anthropic client: Bedrock's `{"message":"..."}` in
 * Anthropic's error shape, typed by the status as Anthropic's own errors are (the Anthropic
 * SDK picks its error class by status; 503 reads as overloaded_error). An Anthropic-shaped
 * body passes (undefined); anything else is wrapped the generic way.
 */
export function convertBedrockErrorToAnthropic(status: number, body: Buffer): Buffer | undefined {
  const message = readBedrockErrorMessage(parseJson(body.toString('utf8')));
  if (message !== undefined) return reshapeAsAnthropicError(status, Buffer.from(JSON.stringify({ error: { message } }))).body;
  const reshaped = reshapeAsAnthropicError(status, body);
  return reshaped.changed ? reshaped.body : undefined;
}
