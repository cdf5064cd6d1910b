import { RUNTIME_LIMIT_PATHS } from '../admin/limit-overrides';
import type { AigwConfig } from '../config/schema';
import type { RateLimitsConfig } from '../config/schema-limits';
import { compileFormula } from './cost-formulas';
import type { CostFormula } from './cost-formulas';
import { DescriptorTree } from './descriptor-tree';
import type { DescriptorPath, Metric } from './descriptor-tree';

/** The compiled rateLimits section. */
export interface RuntimeRateLimits {
  readonly domain: string;
  readonly store: RateLimitsConfig['store'];
  readonly failureMode: 'open' | 'closed';
  readonly envoyTimeoutMs: number;
  readonly defaultOutputTokens: number;
  /** Send requests that name no output cap with `defaultOutputTokens` as theirs (see with-output-cap.ts). */
  readonly enforceOutputCap: boolean;
  /** Margins on the o200k prompt count by backend name, over the built-in ones by kind (input-margins.ts). */
  readonly inputMargins: ReadonlyMap<string, number>;
  readonly tree: DescriptorTree;
  /** Every descriptor shape Envoy sends: the tree's, plus per-caller and per-team ones for admin API limits. */
  readonly paths: readonly DescriptorPath[];
  /** Calendar windows' time zone (runtime limits use it too). */
  readonly timeZone: string;
  /** Metrics some limit counts: only these need a reservation on each request. */
  readonly metrics: ReadonlySet<Metric>;
  /** Cost formulas by name (metadata key `cost_<name>`, access log field of the same name). */
  readonly formulas: ReadonlyMap<string, CostFormula>;
  /**
   * How long a reservation's record lives in the store (ms): the longest a request can last
   * (`limits.requestTimeoutSeconds`, or a day when that is 0) plus RESERVATION_MARGIN_MS.
   */
  readonly reservationTtlMs: number;
}

/**
 * Time a reservation's record outlives its request: for the end to reach aigw and the
 * settlement the store, retries during a short outage included, and for clock skew.
 */
export const RESERVATION_MARGIN_MS = 120_000;

/** The longest a request lasts when `requestTimeoutSeconds` is 0 (none): a day. */
const UNBOUNDED_REQUEST_MS = 86_400_000;

/**
 * Whether some limit counts usage (tokens, dollars or a cost formula), so every request
 * reserves its estimate; limits on requests alone need none.
 */
export function reservesUsage(limits: RuntimeRateLimits): boolean {
  return [...limits.metrics].some((metric) => metric === 'tokens' || metric === 'usd' || limits.formulas.has(metric));
}

/** Compiles the rateLimits section; undefined when the config has none. */
export function compileRateLimits(config: AigwConfig): RuntimeRateLimits | undefined {
  const section = config.rateLimits;
  if (!section) return undefined;
  const tree = new DescriptorTree(section);
  // With the admin API on, Envoy also sends the shapes runtime limits use (see limit-overrides.ts).
  const id = (path: DescriptorPath): string => `${path.metric}|${path.keys.join('|')}`;
  const known = new Set(tree.paths.map(id));
  const paths = [...tree.paths, ...(config.admin ? RUNTIME_LIMIT_PATHS.filter((path) => !known.has(id(path))) : [])];
  return {
    domain: section.domain,
    store: section.store,
    failureMode: section.failureMode,
    envoyTimeoutMs: section.envoyTimeoutMs,
    defaultOutputTokens: section.defaultOutputTokens,
    enforceOutputCap: section.enforceOutputCap,
    inputMargins: new Map(Object.entries(section.inputMargins)),
    tree,
    paths,
    timeZone: section.timeZone,
    metrics: new Set(paths.map((path) => path.metric)),
    formulas: new Map(Object.entries(section.costs).map(([name, expression]) => [name, compileFormula(expression)])),
    reservationTtlMs: (config.limits.requestTimeoutSeconds > 0 ? config.limits.requestTimeoutSeconds * 1000 : UNBOUNDED_REQUEST_MS) + RESERVATION_MARGIN_MS,
  };
}
