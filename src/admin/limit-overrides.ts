import type { MatchedLimit, Metric } from '../ratelimit/descriptor-tree';
import type { WindowUnit } from '../ratelimit/limiter';
import type { AdminSnapshot, Limits } from './admin-state';

/**
 * Limits set through the admin API, as the rate-limit service sees them. Envoy sends (when
 * the admin API is on) one descriptor per metric and identity: `metric=M, caller=<name>` and
 * `metric=M, team=<team>`. For such a descriptor, runtime limits of that metric replace
 * whatever the config's descriptor tree says for it (so the admin API can raise a limit as
 * well as lower it); runtime limits of other metrics leave it alone.
 */

/** Runtime descriptor shapes: every metric a runtime limit can count, per caller and per team. */
export const RUNTIME_LIMIT_PATHS: ReadonlyArray<{ metric: Metric; keys: readonly string[] }> = ['requests', 'tokens', 'usd'].flatMap((metric) => [
  { metric, keys: ['caller'] },
  { metric, keys: ['team'] },
]);

/** Which Limits field counts what, in which window; usd amounts are dollars (counters hold micro-dollars). */
const FIELDS: ReadonlyArray<{ field: keyof Limits; metric: Metric; unit: WindowUnit }> = [
  { field: 'requestsPerMinute', metric: 'requests', unit: 'minute' },
  { field: 'tokensPerMinute', metric: 'tokens', unit: 'minute' },
  { field: 'tokensPerDay', metric: 'tokens', unit: 'day' },
  { field: 'usdPerDay', metric: 'usd', unit: 'day' },
  { field: 'usdPerMonth', metric: 'usd', unit: 'month' },
];

const UNIT_WORDS: Record<string, string> = { requests: 'requests', tokens: 'tokens', usd: 'USD' };

/** A runtime limit, with the suffix that keeps its counter apart from the config's and from its other windows. */
export interface RuntimeMatch {
  readonly limit: MatchedLimit;
  readonly counterSuffix: string;
}

/** The limits of one caller (by the name its key carries) or team. */
function limitsFor(snapshot: AdminSnapshot, key: string, value: string): Limits | undefined {
  if (key === 'team') return snapshot.teamLimits.get(value);
  return key === 'caller' ? snapshot.callerLimits.get(value) : undefined;
}

/**
 * The runtime limits for a descriptor's entries; undefined when none applies (the config's
 * tree decides alone). An empty array never comes back: a match has at least one limit.
 */
export function runtimeLimits(snapshot: AdminSnapshot, entries: ReadonlyArray<{ key: string; value: string }>, timeZone: string): RuntimeMatch[] | undefined {
  if (entries.length !== 2 || entries[0].key !== 'metric') return undefined;
  const metric = entries[0].value;
  const { key, value } = entries[1];
  const limits = limitsFor(snapshot, key, value);
  if (!limits) return undefined;
  const matches: RuntimeMatch[] = [];
  for (const spec of FIELDS) {
    const amount = limits[spec.field];
    if (spec.metric !== metric || amount === undefined) continue;
    const perUnit = Math.round(metric === 'usd' ? amount * 1_000_000 : amount);
    matches.push({
      limit: {
        metric,
        rule: { kind: 'window', unit: spec.unit, perUnit, timeZone },
        shadow: false,
        name: `${UNIT_WORDS[metric]} per ${spec.unit} for ${key}=${value} (admin)`,
        unit: spec.unit,
        amount,
      },
      counterSuffix: `|admin=${spec.unit}`,
    });
  }
  return matches.length > 0 ? matches : undefined;
}
