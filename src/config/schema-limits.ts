import { z } from 'zod';
import { formulaProblem } from '../ratelimit/cost-formulas';
import { SecretSourceSchema } from './schema-secret';

/**
 * The schema of the `prices` and `rateLimits` sections of aigw.yaml. Descriptor trees take
 * the shape envoyproxy/ratelimit users know (key, value, nested descriptors, rate_limit with
 * unit and requests_per_unit, shadow_mode, unlimited), extended with token buckets and dollars.
 */

/** USD per million tokens; 0 is allowed (a free or self-hosted model). */
const PerMillion = z.number().min(0).max(1_000_000);

export const PriceSchema = z
  .object({
    /** The aigw model name (what clients ask for). */
    model: z.string().min(1),
    /** Price of the model on this backend only; without it, on every backend of the model. */
    backend: z.string().min(1).optional(),
    input: PerMillion,
    /** Cache reads (default: input). */
    cachedInput: PerMillion.optional(),
    /** Cache writes (default: input). */
    cacheWrite: PerMillion.optional(),
    output: PerMillion,
    /** Reasoning tokens, which are part of output (default: output). */
    reasoning: PerMillion.optional(),
  })
  .strict();

/** Fixed-window units, as in envoyproxy/ratelimit. */
export const WINDOW_UNITS = ['second', 'minute', 'hour', 'day', 'week', 'month', 'year'] as const;

/** What a descriptor tree counts: chosen by its root `metric` entry. */
export const METRICS = ['requests', 'tokens', 'usd'] as const;

/** Descriptor keys below the metric: each is an identity (or the model) aigw attaches to the request. */
export const DESCRIPTOR_KEYS = ['caller', 'user', 'team', 'project', 'model'] as const;

const unitSchema = z.preprocess((value) => (typeof value === 'string' ? value.toLowerCase() : value), z.enum(WINDOW_UNITS));

export const RateLimitRuleSchema = z
  .object({
    /** Optional name, shown in errors and metrics. */
    name: z.string().min(1).max(128).optional(),
    unit: unitSchema.optional(),
    /** Requests or tokens per unit (envoyproxy/ratelimit's field). */
    requests_per_unit: z.number().int().min(0).optional(),
    /** Dollars per unit, for `metric: usd` trees. */
    usd_per_unit: z.number().min(0).optional(),
    /** A token bucket instead of a fixed window (amounts in the tree's metric: requests, tokens or dollars). */
    token_bucket: z
      .object({ capacity: z.number().positive(), refill_per_second: z.number().min(0) })
      .strict()
      .optional(),
  })
  .strict()
  .refine((rule) => (rule.token_bucket === undefined) !== (rule.unit === undefined), {
    message: 'set either unit (a fixed window) or token_bucket',
  })
  .refine((rule) => rule.token_bucket !== undefined || (rule.requests_per_unit === undefined) !== (rule.usd_per_unit === undefined), {
    message: 'a fixed window needs exactly one of requests_per_unit or usd_per_unit',
  });

export interface DescriptorNode {
  key: string;
  value?: string;
  rate_limit?: z.output<typeof RateLimitRuleSchema>;
  shadow_mode: boolean;
  unlimited: boolean;
  descriptors?: DescriptorNode[];
}

export const DescriptorSchema: z.ZodType<DescriptorNode, unknown> = z
  .object({
    key: z.string().min(1),
    value: z.string().min(1).optional(),
    rate_limit: RateLimitRuleSchema.optional(),
    /** Count and report, never block (envoyproxy/ratelimit's shadow_mode). */
    shadow_mode: z.boolean().default(false),
    /** Never limited (a value exempted from a default limit). */
    unlimited: z.boolean().default(false),
    descriptors: z.lazy(() => z.array(DescriptorSchema)).optional(),
  })
  .strict();

export const BudgetSchema = z
  .object({
    name: z.string().min(1).max(128).optional(),
    /** Whose spend: each caller (API key), user, team or project. */
    per: z.enum(['caller', 'user', 'team', 'project']),
    /** One caller/user/team/project; without it, each one has its own budget of this size. */
    value: z.string().min(1).optional(),
    usd: z.number().positive(),
    window: z.enum(['hour', 'day', 'week', 'month']),
    /** hard: block with 429 once spent; soft: allow, count in metrics and the audit log. */
    mode: z.enum(['hard', 'soft']).default('hard'),
  })
  .strict();

export const RedisStoreSchema = z
  .object({
    url: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL'),
    /** Every decision answers within this time (then failureMode applies). */
    timeoutMs: z.number().int().min(1).max(10_000).default(50),
    keyPrefix: z.string().max(64).default('aigw'),
    /**
     * true: `url` is one node of a Redis Cluster (any node; the others are discovered from
     * it). Every multi-key script keeps its keys in one slot, see docs/rate-limits.md.
     */
    cluster: z.boolean().default(false),
    /**
     * The Redis password (AUTH), from an environment variable or a file, so the URL (and the
     * config file that holds it, a ConfigMap on Kubernetes) carries none; replaces one in `url`.
     */
    password: SecretSourceSchema.optional(),
  })
  .strict()
  .superRefine((store, context) => {
    // A cluster has only database 0 (SELECT is refused), so a database in the URL is a mistake.
    const database = /^rediss?:\/\/[^/]*\/([^?#]*)/.exec(store.url)?.[1] ?? '';
    if (store.cluster && database !== '' && database !== '0') {
      context.addIssue({ code: 'custom', path: ['url'], message: `a Redis Cluster has only database 0; remove "/${database}" from the URL or set cluster: false` });
    }
  });

export const RateLimitsSchema = z
  .object({
    /** The ratelimit domain Envoy sends. */
    domain: z.string().min(1).max(128).default('aigw'),
    /** Where counters live: in this process (one instance only), or Redis (shared by a fleet). */
    store: z
      .union([z.literal('memory'), z.object({ redis: RedisStoreSchema }).strict()])
      .default('memory'),
    /** When the store cannot answer in time: open lets requests through, closed rejects them. */
    failureMode: z.enum(['open', 'closed']).default('open'),
    /** Envoy's ratelimit filter timeout (it then applies failureMode itself). */
    envoyTimeoutMs: z.number().int().min(1).max(10_000).default(200),
    /** Output tokens reserved for a request that names no cap (max_tokens and its kin). */
    defaultOutputTokens: z.number().int().min(1).max(10_000_000).default(4096),
    /**
     * Send a request that names no output cap with `defaultOutputTokens` as its cap (in its
     * API's field, with an x-aigw-warning), so the reservation bounds its output. Off: the
     * provider's own limit applies and the reservation is only a guess.
     */
    enforceOutputCap: z.boolean().default(true),
    /**
     * Margins on the o200k prompt count by backend name (1.3: reserve 30% more), replacing the
     * built-in margin of the backend's kind; at least 1, so the reservation stays a bound.
     */
    inputMargins: z.record(z.string().min(1), z.number().min(1).max(10)).default({}),
    /** Calendar windows (day, week, month, year) in this IANA time zone. */
    timeZone: z.string().min(1).default('UTC'),
    /**
     * Named cost formulas (CEL over input_tokens, output_tokens, cached_input_tokens,
     * cache_creation_input_tokens, reasoning_tokens, total_tokens, model, backend): each can be
     * a tree's metric, and its value for every request goes to the access log.
     */
    costs: z.record(z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'names are lowercase letters, digits and _'), z.string().min(1)).default({}),
    descriptors: z.array(DescriptorSchema).default([]),
    budgets: z.array(BudgetSchema).default([]),
  })
  .strict()
  .superRefine((config, context) => {
    for (const [name, expression] of Object.entries(config.costs)) {
      if ((METRICS as readonly string[]).includes(name)) context.addIssue({ code: 'custom', path: ['costs', name], message: `"${name}" is a built-in metric: choose another name` });
      const problem = formulaProblem(expression);
      if (problem) context.addIssue({ code: 'custom', path: ['costs', name], message: `invalid CEL formula: ${problem}` });
    }
    for (const problem of treeProblems(config.descriptors, Object.keys(config.costs))) context.addIssue({ code: 'custom', ...problem });
    if (!validTimeZone(config.timeZone)) context.addIssue({ code: 'custom', path: ['timeZone'], message: `unknown time zone "${config.timeZone}"` });
  });

function validTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * What the shape alone cannot say: a tree's root entry names its metric, the keys below are
 * ones aigw attaches to requests, and the amounts fit the metric (dollars for usd).
 */
export function treeProblems(roots: readonly DescriptorNode[], costNames: readonly string[] = []): Array<{ path: Array<string | number>; message: string }> {
  const problems: Array<{ path: Array<string | number>; message: string }> = [];
  const metrics = [...METRICS, ...costNames];
  roots.forEach((root, index) => {
    const path = ['descriptors', index];
    if (root.key !== 'metric') {
      problems.push({ path: [...path, 'key'], message: `a top-level descriptor must be key "metric" (one of ${metrics.join(', ')}), not "${root.key}"` });
      return;
    }
    if (!metrics.includes(root.value ?? '')) {
      problems.push({ path: [...path, 'value'], message: `metric must be one of ${metrics.join(', ')}` });
      return;
    }
    const walk = (node: DescriptorNode, at: Array<string | number>, depth: number): void => {
      if (depth > 0 && !(DESCRIPTOR_KEYS as readonly string[]).includes(node.key)) {
        problems.push({ path: [...at, 'key'], message: `unknown descriptor key "${node.key}": use ${DESCRIPTOR_KEYS.join(', ')}` });
      }
      const rule = node.rate_limit;
      if (rule?.usd_per_unit !== undefined && root.value !== 'usd') {
        problems.push({ path: [...at, 'rate_limit', 'usd_per_unit'], message: `usd_per_unit belongs in a metric usd tree; this one counts ${root.value}` });
      }
      if (rule?.requests_per_unit !== undefined && root.value === 'usd') {
        problems.push({ path: [...at, 'rate_limit', 'requests_per_unit'], message: 'a metric usd tree limits dollars: use usd_per_unit' });
      }
      node.descriptors?.forEach((child, childIndex) => walk(child, [...at, 'descriptors', childIndex], depth + 1));
    };
    walk(root, path, 0);
  });
  return problems;
}

export type PriceConfig = z.output<typeof PriceSchema>;
export type RateLimitsConfig = z.output<typeof RateLimitsSchema>;
export type RedisStoreConfig = z.output<typeof RedisStoreSchema>;
export type BudgetConfig = z.output<typeof BudgetSchema>;
export type RateLimitRuleConfig = z.output<typeof RateLimitRuleSchema>;
