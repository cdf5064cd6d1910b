import type { ClientRequest } from '../api/client-request';
import type { RuntimeConfig, RuntimeModel } from '../config/runtime';
import { costMicros } from '../pricing/price-table';
import type { TokenUsage } from '../providers/usage';
import { emptyUsage } from '../providers/usage';
import { reservationFor } from './estimate';

/**
 * Dynamic metadata (io.aigw) the ratelimit filter reads at admission: what the request
 * reserves, as numbers its `hits_addend` formats pick up. Empty when no limit needs them,
 * so unlimited deployments never pay for the token count.
 */
export function reservationMetadata(config: RuntimeConfig, request: ClientRequest, model: RuntimeModel): Record<string, number> {
  const limits = config.rateLimits;
  const formulas = [...(limits?.formulas.entries() ?? [])].filter(([name]) => limits?.metrics.has(name));
  if (!limits || (!limits.metrics.has('tokens') && !limits.metrics.has('usd') && formulas.length === 0)) return {};
  const backends = model.backends.map((entry) => entry.backend.name);
  const price = limits.metrics.has('usd') ? config.prices.highestPrice(model.name, backends) : undefined;
  const reservation = reservationFor(request, limits.defaultOutputTokens, price);
  const fields: Record<string, number> = { reserve_tokens: reservation.tokens, reserve_usd_micros: reservation.usdMicros };
  // A formula's reservation: its value for the reserved usage on the dearest backend.
  const reserved = { ...emptyUsage(), inputTokens: reservation.inputTokens, outputTokens: reservation.outputTokens, totalTokens: reservation.tokens };
  for (const [name, formula] of formulas) fields[`reserve_cost_${name}`] = Math.max(...backends.map((backend) => formula(reserved, model.name, backend)));
  return fields;
}

/** Each cost formula's value for a finished request: `cost_<name>` metadata (access log). */
export function formulaMetadata(config: RuntimeConfig, model: string, backend: string | undefined, usage: TokenUsage): Record<string, number> {
  const fields: Record<string, number> = {};
  for (const [name, formula] of config.rateLimits?.formulas ?? []) fields[`cost_${name}`] = formula(usage, model, backend ?? '');
  return fields;
}

/** What a finished request used, for the access log and spend metrics. */
export interface Settlement {
  readonly usedTokens: number;
  readonly usedUsdMicros: number;
  /** Whether the model has a price on that backend (else the cost is unknown, counted as 0). */
  readonly priced: boolean;
}

/**
 * The request's real consumption once it ends, for the access log: undefined for a successful
 * response without usage (unknown); a failed one used nothing.
 */
export function settlementFor(config: RuntimeConfig, model: string, backend: string | undefined, status: number, usage: TokenUsage | undefined): Settlement | undefined {
  const price = config.prices.priceOf(model, backend);
  if (!usage) return status >= 200 && status < 300 ? undefined : { usedTokens: 0, usedUsdMicros: 0, priced: price !== undefined };
  return { usedTokens: usage.totalTokens, usedUsdMicros: price ? costMicros(usage, price) : 0, priced: price !== undefined };
}
