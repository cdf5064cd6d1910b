import type { ClientApi } from './client-request';
import type { ErrorShape } from './error-shape';
import { anthropicErrorType } from './anthropic-errors';
import { openAIErrorType } from './openai-errors';
import type { GatewayError } from '../errors';

/**
 * The event that ends a stream the gateway cannot finish (the status line is long gone), in
 * the client's streaming format: an Anthropic `error` event, a Responses API `error` event,
 * or an OpenAI chat chunk carrying `error`, which the OpenAI SDKs raise as an APIError.
 */
export function streamErrorEvent(api: ClientApi | undefined, shape: ErrorShape, error: GatewayError): string {
  if (shape === 'anthropic') return `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: anthropicErrorType(error.status), message: error.message } })}\n\n`;
  const code = error.code ?? error.type;
  if (api === 'openai-responses') return `event: error\ndata: ${JSON.stringify({ type: 'error', code, message: error.message, param: null })}\n\n`;
  return `data: ${JSON.stringify({ error: { message: error.message, type: error.type || openAIErrorType(error.status), param: null, code } })}\n\n`;
}
