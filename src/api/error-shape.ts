import type { GatewayError } from '../errors';
import { anthropicErrorJson, reshapeAsAnthropicError } from './anthropic-errors';
import { openAIErrorJson, reshapeAsOpenAIError } from './openai-errors';

/** Which client API family a path belongs to, for answering in that family's error shape. */
export type ErrorShape = 'openai' | 'anthropic';

/** Anthropic clients call /v1/messages (also under an /anthropic prefix); everything else is OpenAI's. */
export function errorShapeForPath(path: string): ErrorShape {
  const clean = path.split('?')[0];
  return clean === '/v1/messages' || clean.startsWith('/v1/messages/') || clean.startsWith('/anthropic/') ? 'anthropic' : 'openai';
}

/** A gateway error as the client's API writes errors. */
export function errorJson(shape: ErrorShape, error: GatewayError): string {
  return shape === 'anthropic' ? anthropicErrorJson(error) : openAIErrorJson(error);
}

/** An upstream error body reshaped for the client's API (unchanged when already in shape). */
export function reshapeError(shape: ErrorShape, status: number, body: Buffer): { body: Buffer; changed: boolean } {
  return shape === 'anthropic' ? reshapeAsAnthropicError(status, body) : reshapeAsOpenAIError(status, body);
}
