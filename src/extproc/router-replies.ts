import type { ErrorShape } from '../api/error-shape';
import type { RuntimeConfig } from '../config/runtime';
import { GatewayError } from '../errors';
import type { TokenUsage } from '../providers/usage';
import { emptyUsage } from '../providers/usage';
import { formulaMetadata, settlementFor } from '../ratelimit/request-limits';
import type { RequestState } from './request-store';

/** `GET /v1/models` in the client's shape (Anthropic's SDK sends anthropic-version). */
export function modelList(shape: ErrorShape, ids: readonly string[]): unknown {
  return shape === 'anthropic'
    ? {
        data: ids.map((id) => ({ type: 'model', id, display_name: id, created_at: '1970-01-01T00:00:00Z' })),
        has_more: false,
        first_id: ids[0] ?? null,
        last_id: ids[ids.length - 1] ?? null,
      }
    : { object: 'list', data: ids.map((id) => ({ id, object: 'model', created: 0, owned_by: 'aigw' })) };
}

/** 413 for a body over the configured limit. */
export function tooLarge(limit: number): GatewayError {
  return new GatewayError(413, 'invalid_request_error', 'request_too_large', `The request body is larger than the ${limit} bytes this gateway accepts.`);
}

/** Usage as access-log metadata fields. */
export function usageMetadata(usage: TokenUsage): Record<string, number> {
  return {
    input_tokens: usage.inputTokens,
    output_tokens: usage.outputTokens,
    cached_input_tokens: usage.cachedInputTokens,
    cache_creation_input_tokens: usage.cacheCreationInputTokens,
    reasoning_tokens: usage.reasoningTokens,
    total_tokens: usage.totalTokens,
  };
}

/**
 * What the end of a request puts in dynamic metadata for the access log: usage, each cost
 * formula's value, its cost, its guardrail actions. (Rate limits are settled in process, see
 * src/ratelimit/request-settler.ts, not from this metadata.)
 */
export function endOfRequestFields(
  config: RuntimeConfig,
  state: RequestState | undefined,
  status: number,
  usage: TokenUsage | undefined,
  guardrails: string | undefined,
): Record<string, number | string> | undefined {
  const settlement = state?.model ? settlementFor(config, state.model.name, state.backend?.name, status, usage) : undefined;
  if (!usage && !settlement && !guardrails) return undefined;
  const fields: Record<string, number | string> = usage ? usageMetadata(usage) : {};
  if (guardrails) fields.guardrails = guardrails;
  if (settlement?.priced) fields.cost_usd = settlement.usedUsdMicros / 1_000_000;
  // A failed request (no usage) costs 0 by every formula.
  if (state?.model && settlement) Object.assign(fields, formulaMetadata(config, state.model.name, state.backend?.name, usage ?? emptyUsage()));
  return fields;
}
