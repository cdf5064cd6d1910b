import type { AigwConfig } from '../config/schema';
import type { RateLimitsConfig } from '../config/schema-limits';
import { compileFormula } from './cost-formulas';
import type { CostFormula } from './cost-formulas';
import { DescriptorTree } from './descriptor-tree';
import type { Metric } from './descriptor-tree';

/** The compiled rateLimits section. */
export interface RuntimeRateLimits {
  readonly domain: string;
  readonly store: RateLimitsConfig['store'];
  readonly failureMode: 'open' | 'closed';
  readonly envoyTimeoutMs: number;
  readonly defaultOutputTokens: number;
  readonly tree: DescriptorTree;
  /** Metrics some limit counts: only these need a reservation on each request. */
  readonly metrics: ReadonlySet<Metric>;
  /** Cost formulas by name (metadata key `cost_<name>`, access log field of the same name). */
  readonly formulas: ReadonlyMap<string, CostFormula>;
}

/** Compiles the rateLimits section; undefined when the config has none. */
export function compileRateLimits(config: AigwConfig): RuntimeRateLimits | undefined {
  const section = config.rateLimits;
  if (!section) return undefined;
  const tree = new DescriptorTree(section);
  return {
    domain: section.domain,
    store: section.store,
    failureMode: section.failureMode,
    envoyTimeoutMs: section.envoyTimeoutMs,
    defaultOutputTokens: section.defaultOutputTokens,
    tree,
    metrics: new Set(tree.paths.map((path) => path.metric)),
    formulas: new Map(Object.entries(section.costs).map(([name, expression]) => [name, compileFormula(expression)])),
  };
}
