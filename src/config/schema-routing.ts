import { z } from 'zod';

/**
 * `routing:` in aigw.yaml: rules that send a request for one model to another model of the
 * config (by team, caller, project, request header or prompt size), or split it by weight
 * across several. The rule decides the target model in ext_proc; Envoy then routes to that
 * model's cluster, so retries and failover between its backends stay Envoy's.
 */

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

const HeaderValuesSchema = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

export const RoutingMatchSchema = z
  .object({
    /** The model the client asked for (a model of the config). */
    model: z.string().min(1),
    teams: z.array(z.string().min(1)).min(1).optional(),
    projects: z.array(z.string().min(1)).min(1).optional(),
    callers: z.array(z.string().min(1)).min(1).optional(),
    /** Request headers (lowercase names) and the value, or one of the values, each must have. */
    headers: z.record(z.string().regex(/^[a-z0-9-]+$/, 'must be a lowercase header name'), HeaderValuesSchema).optional(),
    /** Prompt size, counted locally (the same estimate rate limits reserve). */
    minPromptTokens: z.number().int().min(0).optional(),
    maxPromptTokens: z.number().int().min(0).optional(),
  })
  .strict();

export const RoutingRuleSchema = z
  .object({
    name: z.string().regex(NAME, 'must be 1-63 letters, digits, "_", "." or "-"'),
    match: RoutingMatchSchema,
    /** The model to use instead. */
    to: z.string().min(1).optional(),
    /** Or several, by weight (A/B tests, gradual migration). */
    split: z
      .array(z.object({ to: z.string().min(1), weight: z.number().int().min(0).max(10_000) }).strict())
      .min(2)
      .optional(),
    /** Keep each caller (or user, or team) on one arm of a split: the choice is a hash, not a coin. */
    stickyBy: z.enum(['caller', 'user', 'team']).optional(),
  })
  .strict()
  .refine((rule) => (rule.to === undefined) !== (rule.split === undefined), { message: 'set exactly one of to or split' })
  .refine((rule) => rule.split === undefined || rule.split.some((arm) => arm.weight > 0), { message: 'a split needs a weight above 0', path: ['split'] })
  .refine((rule) => rule.stickyBy === undefined || rule.split !== undefined, { message: 'stickyBy is for splits', path: ['stickyBy'] })
  .refine((rule) => rule.match.minPromptTokens === undefined || rule.match.maxPromptTokens === undefined || rule.match.minPromptTokens <= rule.match.maxPromptTokens, {
    message: 'minPromptTokens is above maxPromptTokens',
    path: ['match'],
  });

export const RoutingSchema = z.array(RoutingRuleSchema);

export type RoutingRuleConfig = z.output<typeof RoutingRuleSchema>;

type Problem = { path: Array<string | number>; message: string };

/** Model and caller names in routing rules must exist; rule names are unique. */
export function routingProblems(raw: Record<string, unknown>): Problem[] {
  if (!Array.isArray(raw.routing)) return [];
  const names = (list: unknown): Set<unknown> => new Set(Array.isArray(list) ? list.map((item) => (typeof item === 'object' && item !== null ? (item as { name?: unknown }).name : undefined)) : []);
  const models = names(raw.models);
  const callers = names(raw.callers);
  const problems: Problem[] = [];
  const seen = new Set<unknown>();
  raw.routing.forEach((value, index) => {
    if (typeof value !== 'object' || value === null) return;
    const rule = value as { name?: unknown; to?: unknown; split?: unknown; match?: { model?: unknown; callers?: unknown } };
    if (seen.has(rule.name)) problems.push({ path: ['routing', index, 'name'], message: `duplicate routing rule "${String(rule.name)}"` });
    seen.add(rule.name);
    const model = (path: Array<string | number>, name: unknown): void => {
      if (typeof name === 'string' && !models.has(name)) problems.push({ path: ['routing', index, ...path], message: `unknown model "${name}"` });
    };
    model(['match', 'model'], rule.match?.model);
    model(['to'], rule.to);
    if (Array.isArray(rule.split)) rule.split.forEach((arm: { to?: unknown }, arm_index) => model(['split', arm_index, 'to'], arm?.to));
    if (Array.isArray(rule.match?.callers)) {
      rule.match.callers.forEach((caller: unknown, caller_index) => {
        if (typeof caller === 'string' && !callers.has(caller)) problems.push({ path: ['routing', index, 'match', 'callers', caller_index], message: `unknown caller "${caller}"` });
      });
    }
  });
  return problems;
}
