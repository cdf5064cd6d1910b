import { withBody } from '../api/client-request';
import type { ClientApi, ClientRequest } from '../api/client-request';
import type { RuntimeConfig } from '../config/runtime';
import { invalidRequest } from '../errors';
import { OUTPUT_CAP_FIELDS, requestedOutputCap } from './output-cap';
import { reservesUsage } from './runtime-limits';

/**
 * Where aigw puts a cap the client did not set: Chat Completions' current field (a backend
 * that reads only `max_tokens` gets it there, see providers/gateway-output-cap.ts) and the
 * Responses API's. Anthropic requires `max_tokens`; embeddings generate nothing.
 */
const CAP_FIELD: Partial<Record<ClientApi, string>> = {
  'openai-chat': 'max_completion_tokens',
  'openai-completions': 'max_tokens',
  'openai-responses': 'max_output_tokens',
};

/**
 * The request with `cap` as its output cap when it names none of its API's cap fields (the
 * same request otherwise), marked so each attempt names the cap in `x-aigw-warning`.
 */
export function withOutputCap(request: ClientRequest, cap: number): ClientRequest {
  const field = CAP_FIELD[request.api];
  if (field === undefined || requestedOutputCap(request) !== undefined) return request;
  return { ...withBody(request, { ...request.body, [field]: cap }), gatewayOutputCap: cap };
}

/** Whether a JSON value is present (null means not set, as in the providers' APIs). */
const isSet = (value: unknown): boolean => value !== undefined && value !== null;

/**
 * Refuses a cap field or `n` that is set but not a positive integer. Providers refuse them
 * too, but a lenient OpenAI-compatible server may read `"max_tokens": "100000"` or `-1` as a
 * cap the reservation never saw, so a request that reserves tokens must state them plainly.
 */
function assertPlainCaps(request: ClientRequest): void {
  const counts = request.api === 'openai-chat' ? ['n'] : request.api === 'openai-completions' ? ['n', 'best_of'] : [];
  const fields = [...OUTPUT_CAP_FIELDS[request.api], ...counts];
  for (const field of fields) {
    const value = request.body[field];
    if (isSet(value) && !(typeof value === 'number' && Number.isInteger(value) && value > 0)) {
      throw invalidRequest(`${field} must be a positive integer.`, field);
    }
  }
}

/**
 * The request as it is saved for every attempt, when token or dollar limits reserve its
 * usage and `rateLimits.enforceOutputCap` is on (the default): its cap fields checked, and
 * `rateLimits.defaultOutputTokens` set as its output cap when it names none, so the output a
 * provider may produce is the output reserved. Otherwise the request unchanged.
 */
export function withReservedOutputCap(config: RuntimeConfig, request: ClientRequest): ClientRequest {
  const limits = config.rateLimits;
  if (!limits?.enforceOutputCap || !reservesUsage(limits)) return request;
  assertPlainCaps(request);
  return withOutputCap(request, limits.defaultOutputTokens);
}
