import type { BudgetConfig, DescriptorNode, RateLimitRuleConfig, RateLimitsConfig } from '../config/schema-limits';
import type { LimitRule, WindowUnit } from './limiter';

/** What a tree counts: requests, tokens, usd (micro-dollars), or the name of a cost formula. */
export type Metric = string;

/** A limit found for a descriptor. */
export interface MatchedLimit {
  readonly metric: Metric;
  readonly rule: LimitRule;
  readonly shadow: boolean;
  /** For errors and metrics: the configured name, or one made from the path. */
  readonly name: string;
  /** A fixed window's unit (for Envoy's x-ratelimit headers); undefined for buckets. */
  readonly unit?: WindowUnit;
  /** The limit in the metric's units (dollars for usd). */
  readonly amount: number;
}

interface Node {
  readonly key: string;
  readonly value?: string;
  readonly limit?: Omit<MatchedLimit, 'metric' | 'name'> & { readonly name?: string };
  readonly unlimited: boolean;
  /** Children by `key=value` (specific) and by `key` (default for any value). */
  readonly children: Map<string, Node>;
}

/** One shape of descriptor aigw asks Envoy to send: the metric, then identity keys in order. */
export interface DescriptorPath {
  readonly metric: Metric;
  readonly keys: readonly string[];
}

const MICROS_PER_USD = 1_000_000;

function childId(key: string, value: string | undefined): string {
  return value === undefined ? key : `${key}=${value}`;
}

function toRule(rule: RateLimitRuleConfig, metric: Metric, timeZone: string): { rule: LimitRule; unit?: WindowUnit; amount: number } {
  const scale = metric === 'usd' ? MICROS_PER_USD : 1;
  if (rule.token_bucket) {
    return {
      rule: { kind: 'bucket', capacity: Math.round(rule.token_bucket.capacity * scale), refillPerSecond: rule.token_bucket.refill_per_second * scale },
      amount: rule.token_bucket.capacity,
    };
  }
  const amount = rule.usd_per_unit ?? rule.requests_per_unit ?? 0;
  // The schema guarantees a unit for fixed windows.
  const unit = rule.unit ?? 'second';
  return { rule: { kind: 'window', unit, perUnit: Math.round(amount * scale), timeZone }, unit, amount };
}

/** A budget is a usd-tree node: `{key: per, value, rate_limit: {unit: window, usd_per_unit: usd}}`. */
export function budgetNode(budget: BudgetConfig): DescriptorNode {
  return {
    key: budget.per,
    value: budget.value,
    rate_limit: { name: budget.name, unit: budget.window, usd_per_unit: budget.usd },
    shadow_mode: budget.mode === 'soft',
    unlimited: false,
  };
}

/**
 * The compiled descriptor trees of a domain, matched the way envoyproxy/ratelimit does: at
 * each level an entry first matches a node with its key and value, else the node with its key
 * alone (the default for every value); the node reached by the last entry holds the limit.
 */
export class DescriptorTree {
  private readonly roots = new Map<string, Node>();
  /** Every descriptor shape that can reach a limit, for rendering Envoy's rate limit actions. */
  readonly paths: DescriptorPath[] = [];

  constructor(config: Pick<RateLimitsConfig, 'descriptors' | 'budgets' | 'timeZone'>) {
    const usdBudgets = config.budgets.map(budgetNode);
    const roots = [...config.descriptors];
    if (usdBudgets.length > 0) roots.push({ key: 'metric', value: 'usd', shadow_mode: false, unlimited: false, descriptors: usdBudgets });
    for (const root of roots) {
      const metric = root.value as Metric;
      const existing = this.roots.get(childId('metric', metric));
      const node = this.compile(root, metric, config.timeZone, existing);
      this.roots.set(childId('metric', metric), node);
    }
    const seen = new Set<string>();
    for (const [, root] of this.roots) this.collectPaths(root, root.value as Metric, [], seen);
  }

  /** The limit for a descriptor's entries (the first must be metric=…), if any applies. */
  match(entries: ReadonlyArray<{ key: string; value: string }>): MatchedLimit | undefined {
    if (entries.length < 2 || entries[0].key !== 'metric') return undefined;
    let node = this.roots.get(childId('metric', entries[0].value));
    const metric = entries[0].value as Metric;
    for (const entry of entries.slice(1)) {
      if (!node) return undefined;
      node = node.children.get(childId(entry.key, entry.value)) ?? node.children.get(entry.key);
    }
    if (!node?.limit || node.unlimited) return undefined;
    const name = node.limit.name ?? defaultName(metric, entries.slice(1), node.limit);
    return { ...node.limit, metric, name };
  }

  private compile(spec: DescriptorNode, metric: Metric, timeZone: string, into?: Node): Node {
    const children = into?.children ?? new Map<string, Node>();
    for (const child of spec.descriptors ?? []) {
      const id = childId(child.key, child.value);
      children.set(id, this.compile(child, metric, timeZone, children.get(id)));
    }
    const converted = spec.rate_limit ? toRule(spec.rate_limit, metric, timeZone) : undefined;
    return {
      key: spec.key,
      value: spec.value,
      unlimited: spec.unlimited,
      limit: converted && { ...converted, shadow: spec.shadow_mode, name: spec.rate_limit?.name },
      children,
    };
  }

  private collectPaths(node: Node, metric: Metric, keys: string[], seen: Set<string>): void {
    for (const child of node.children.values()) {
      const path = [...keys, child.key];
      const id = `${metric}|${path.join('|')}`;
      if (child.limit && !seen.has(id)) {
        seen.add(id);
        this.paths.push({ metric, keys: path });
      }
      this.collectPaths(child, metric, path, seen);
    }
  }
}

const UNIT_WORDS: Record<string, string> = { requests: 'requests', tokens: 'tokens', usd: 'USD' };

/** e.g. `tokens per minute for team=research`, `USD per month for project=alpha, model=gpt-4o`. */
function defaultName(metric: Metric, entries: ReadonlyArray<{ key: string; value: string }>, limit: { unit?: WindowUnit }): string {
  const per = limit.unit ? ` per ${limit.unit}` : ' (token bucket)';
  return `${UNIT_WORDS[metric] ?? metric}${per} for ${entries.map((entry) => `${entry.key}=${entry.value}`).join(', ')}`;
}
