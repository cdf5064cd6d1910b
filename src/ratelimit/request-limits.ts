import type { ClientRequest } from '../api/client-request';
import type { RuntimeConfig, RuntimeModel } from '../config/runtime';
import { costMicros } from '../pricing/price-table';
import type { TokenUsage } from '../providers/usage';
import { emptyUsage } from '../providers/usage';
import { reservationFor } from './estimate';
import { reservesUsage } from './runtime-limits';

/**
 * Dynamic metadata (io.aigw) the ratelimit filter reads at admission: what the request
 * reserves, as numbers its `hits_addend` formats pick up. Empty when no limit needs them,
 * so unlimited deployments never pay for the token count.
 */
export function reservationMetadata(config: RuntimeConfig, request: ClientRequest, model: RuntimeModel): Record<string, number> {
  const limits = config.rateLimits;
  if (!limits || !reservesUsage(limits)) return {};
  const formulas = [...limits.formulas.entries()].filter(([name]) => limits.metrics.has(name));
  const backends = model.backends.map((entry) => entry.backend.name);
  const price = limits.metrics.has('usd') ? config.prices.highestPrice(model.name, backends) : undefined;
  const reservation = reservationFor(request, { backends: model.backends, defaultOutputTokens: limits.defaultOutputTokens, inputMargins: limits.inputMargins, price });
  const fields: Record<string, number> = { reserve_tokens: reservation.tokens, reserve_usd_micros: reservation.usdMicros };
  const usages = reservedUsages(reservation.inputTokens, reservation.outputTokens);
  for (const [name, formula] of formulas) {
    fields[`reserve_cost_${name}`] = Math.max(...backends.flatMap((backend) => usages.map((usage) => formula(usage, model.name, backend))));
  }
  return fields;
}

/**
 * The corners of the usages a reservation allows: all its input plain, cached or cache
 * writes, and its output plain or reasoning. A formula's reservation is its largest value
 * over them on any backend, which bounds every formula linear in the counts (a weight on
 * reasoning or cache writes included), whatever the real mix turns out to be.
 */
export function reservedUsages(inputTokens: number, outputTokens: number): TokenUsage[] {
  const base = { ...emptyUsage(), inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
  const inputs = [{}, { cachedInputTokens: inputTokens }, { cacheCreationInputTokens: inputTokens }];
  return inputs.flatMap((input) => [0, outputTokens].map((reasoningTokens) => ({ ...base, ...input, reasoningTokens })));
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
