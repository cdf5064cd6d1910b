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
