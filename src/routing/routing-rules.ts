import { createHash } from 'node:crypto';
import type { RoutingRuleConfig } from '../config/schema-routing';

/** Who and what a routing decision looks at. */
export interface RoutingInput {
  readonly model: string;
  readonly caller: string;
  readonly team: string;
  readonly project: string;
  readonly user?: string;
  readonly headers: ReadonlyMap<string, string>;
  /** Computed only when a rule of this model needs it. */
  readonly promptTokens: () => number;
}

/** The model to use, and the rule that chose it (none: the requested model). */
export interface RoutingDecision {
  readonly model: string;
  readonly rule?: string;
}

/** Compiled rules, grouped by the model they match. */
export class RoutingRules {
  private readonly byModel = new Map<string, RoutingRuleConfig[]>();
  /** Request headers some rule reads (only these are kept from the request headers). */
  readonly headerNames: ReadonlySet<string>;

  constructor(rules: readonly RoutingRuleConfig[]) {
    const headers = new Set<string>();
    for (const rule of rules) {
      const list = this.byModel.get(rule.match.model) ?? [];
      list.push(rule);
      this.byModel.set(rule.match.model, list);
      for (const name of Object.keys(rule.match.headers ?? {})) headers.add(name);
    }
    this.headerNames = headers;
  }

  /**
   * The first rule (in config order) whose every condition holds picks the model: `to`, or an
   * arm of `split` by weight (sticky when asked: the same caller, user or team always gets the
   * same arm). No rule: the requested model.
   */
  decide(input: RoutingInput): RoutingDecision {
    for (const rule of this.byModel.get(input.model) ?? []) {
      if (!matches(rule, input)) continue;
      if (rule.to !== undefined) return { model: rule.to, rule: rule.name };
      const arms = rule.split ?? [];
      const total = arms.reduce((sum, arm) => sum + arm.weight, 0);
      const sticky = rule.stickyBy ? (input[rule.stickyBy] ?? input.caller) : undefined;
      let point = (sticky === undefined ? Math.random() : hashFraction(`${rule.name}\u0000${sticky}`)) * total;
      for (const arm of arms) {
        if (point < arm.weight) return { model: arm.to, rule: rule.name };
        point -= arm.weight;
      }
      return { model: arms[arms.length - 1].to, rule: rule.name };
    }
    return { model: input.model };
  }
}

function matches(rule: RoutingRuleConfig, input: RoutingInput): boolean {
  const match = rule.match;
  if (match.teams && !match.teams.includes(input.team)) return false;
  if (match.projects && !match.projects.includes(input.project)) return false;
  if (match.callers && !match.callers.includes(input.caller)) return false;
  for (const [name, wanted] of Object.entries(match.headers ?? {})) {
    const value = input.headers.get(name);
    if (value === undefined || !(Array.isArray(wanted) ? wanted.includes(value) : wanted === value)) return false;
  }
  if (match.minPromptTokens !== undefined || match.maxPromptTokens !== undefined) {
    const tokens = input.promptTokens();
    if (match.minPromptTokens !== undefined && tokens < match.minPromptTokens) return false;
    if (match.maxPromptTokens !== undefined && tokens > match.maxPromptTokens) return false;
  }
  return true;
}

/** A stable number in [0, 1) from a string. */
function hashFraction(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0) / 2 ** 32;
}
