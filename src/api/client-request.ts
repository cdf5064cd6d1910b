import { GatewayError, invalidRequest } from '../errors';
import { DEFAULT_MAX_JSON_DEPTH } from './json-depth';
import { jsonStructure } from './json-keys';

/** The client APIs the gateway accepts. */
export type ClientApi = 'openai-chat' | 'openai-completions' | 'openai-embeddings' | 'openai-responses' | 'anthropic-messages';

/** What the router-level processor does with a path. */
export type Endpoint = { kind: 'model-call'; api: ClientApi } | { kind: 'list-models' };

/** Maps method and path to an endpoint; undefined for anything the gateway does not serve. */
export function matchEndpoint(method: string, rawPath: string): Endpoint | undefined {
  const path = rawPath.split('?')[0].replace(/\/+$/, '');
  if (method === 'POST' && path === '/v1/chat/completions') return { kind: 'model-call', api: 'openai-chat' };
  if (method === 'POST' && path === '/v1/completions') return { kind: 'model-call', api: 'openai-completions' };
  if (method === 'POST' && path === '/v1/embeddings') return { kind: 'model-call', api: 'openai-embeddings' };
  if (method === 'POST' && path === '/v1/responses') return { kind: 'model-call', api: 'openai-responses' };
  if (method === 'GET' && path === '/v1/models') return { kind: 'list-models' };
  // Anthropic SDKs call {baseURL}/v1/messages; an /anthropic prefix lets one listener serve both SDKs' defaults.
  if (method === 'POST' && (path === '/v1/messages' || path === '/anthropic/v1/messages')) return { kind: 'model-call', api: 'anthropic-messages' };
  return undefined;
}

/** The answer to a model call without a body (aigw's and Envoy's own refusal say the same). */
export const EMPTY_BODY_MESSAGE = 'The request body is empty; send a JSON object.';

/** A parsed client request, kept in memory for every attempt's translation. */
export interface ClientRequest {
  readonly api: ClientApi;
  readonly model: string;
  readonly stream: boolean;
  /** The client asked for usage in the stream itself (`stream_options.include_usage`). */
  readonly clientWantsStreamUsage: boolean;
  /** The request JSON as the client sent it; translators copy before changing it. */
  readonly body: Readonly<Record<string, unknown>>;
  readonly rawBody: Buffer;
  /**
   * The output cap aigw put in the body because the client named none and rate limits reserve
   * one (`rateLimits.enforceOutputCap`); each attempt names it in `x-aigw-warning`.
   */
  readonly gatewayOutputCap?: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A token id: a non-negative integer. */
function isTokenId(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/**
 * The legacy completions `prompt`: a string, an array of strings, an array of token ids, or
 * an array of such arrays (completions reference); anything else is a 400 naming it.
 */
function checkPrompt(prompt: unknown): void {
  if (prompt === undefined || prompt === null) throw invalidRequest('You must provide a prompt parameter.', 'prompt');
  if (typeof prompt === 'string') return;
  const valid =
    Array.isArray(prompt) &&
    prompt.length > 0 &&
    (prompt.every((item) => typeof item === 'string') ||
      prompt.every(isTokenId) ||
      prompt.every((item) => Array.isArray(item) && item.length > 0 && item.every(isTokenId)));
  if (!valid) throw invalidRequest('prompt must be a string, an array of strings, an array of token ids, or an array of token id arrays.', 'prompt');
}

/** Limits a request body must keep to. */
export interface ParseOptions {
  /** Deepest nesting of arrays and objects (`limits.maxJsonDepth`). */
  readonly maxJsonDepth?: number;
}

/** Parses and checks a request body; throws a user-facing GatewayError for bad input. */
export function parseClientRequest(api: ClientApi, rawBody: Buffer, options: ParseOptions = {}): ClientRequest {
  if (rawBody.length === 0) throw invalidRequest(EMPTY_BODY_MESSAGE);
  const maxJsonDepth = options.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH;
  // One pass for what JSON.parse does not report: nesting deep enough to overflow
  // JSON.stringify and recursive walkers later (a 500 for a bad request), and a repeated key.
  const structure = jsonStructure(rawBody, maxJsonDepth);
  if (structure.tooDeep) {
    throw invalidRequest(`The request body nests arrays and objects more than ${maxJsonDepth} levels deep (limits.maxJsonDepth).`, null, 'json_too_deep');
  }
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch (error) {
    throw invalidRequest(`The request body is not valid JSON: ${(error as Error).message}`, null, 'invalid_json');
  }
  if (!isRecord(body)) throw invalidRequest('The request body must be a JSON object.', null, 'invalid_json');
  // JSON.parse keeps the last of two equal keys; the provider may read the first. What is
  // checked (guardrails, model, limits) must be what is sent: a repeated key is refused.
  const repeated = structure.repeatedKey;
  if (repeated !== undefined) {
    const shown = repeated.length > 64 ? `${repeated.slice(0, 64)}…` : repeated;
    throw invalidRequest(`The request body has the key ${JSON.stringify(shown)} twice in one object; send each key once.`, null, 'duplicate_json_key');
  }
  const model = body.model;
  if (model === undefined || model === null || model === '') {
    throw invalidRequest('You must provide a model parameter.', 'model', 'missing_model');
  }
  if (typeof model !== 'string') throw invalidRequest('The model parameter must be a string.', 'model');

  if (api === 'openai-chat' || api === 'anthropic-messages') {
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      throw invalidRequest('The messages parameter must be a non-empty array.', 'messages');
    }
    if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') {
      throw invalidRequest('The stream parameter must be a boolean.', 'stream');
    }
  } else if (api === 'openai-completions') {
    checkPrompt(body.prompt);
    if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') {
      throw invalidRequest('The stream parameter must be a boolean.', 'stream');
    }
  } else if (api === 'openai-responses') {
    if (body.input === undefined || body.input === null || body.input === '') {
      throw invalidRequest('You must provide an input parameter.', 'input');
    }
    // Stored conversations live at the provider; a failover to another backend could not see them.
    if (body.previous_response_id !== undefined && body.previous_response_id !== null && typeof body.previous_response_id !== 'string') {
      throw invalidRequest('previous_response_id must be a string.', 'previous_response_id');
    }
  } else if (body.input === undefined || body.input === null || body.input === '') {
    throw invalidRequest('You must provide an input parameter.', 'input');
  }
  if (api === 'anthropic-messages' && (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens) || body.max_tokens < 1)) {
    throw invalidRequest('max_tokens: Field required (a positive integer).', 'max_tokens');
  }
  const stream = api !== 'openai-embeddings' && body.stream === true;
  const streamOptions = body.stream_options;
  // Anthropic and Responses API streams always carry usage; (Chat) Completions' only when asked.
  const asksUsage = api === 'openai-chat' || api === 'openai-completions';
  const clientWantsStreamUsage = stream && (!asksUsage || (isRecord(streamOptions) && streamOptions.include_usage === true));
  return { api, model, stream, clientWantsStreamUsage, body, rawBody };
}

/** The request with another body (the model taken from it): rawBody, which pass-through translators send, follows. */
export function withBody(request: ClientRequest, body: Record<string, unknown>): ClientRequest {
  return { ...request, model: typeof body.model === 'string' ? body.model : request.model, body, rawBody: Buffer.from(JSON.stringify(body), 'utf8') };
}

/** 404 in OpenAI's words for a model the gateway does not serve. */
export function unknownModel(model: string): GatewayError {
  return new GatewayError(
    404,
    'invalid_request_error',
    'model_not_found',
    `The model \`${model}\` does not exist or you do not have access to it.`,
    'model',
  );
}
