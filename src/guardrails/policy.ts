import type { GuardrailPolicyBody, GuardrailsConfig } from '../config/schema-guardrails';
import type { Identity } from '../config/runtime';
import { readSecret } from '../config/secret';
import type { Secret } from '../config/secret';
import { BUILTIN_DETECTORS } from './builtin-detectors';
import { keywordDetector, regexDetector } from './custom-detectors';
import type { Detector } from './detector';
import { RuleSet } from './scanner';
import type { Direction, GuardrailAction, Rule } from './scanner';

/** A webhook guardrail, ready to call. */
export interface RuntimeWebhook {
  readonly name: string;
  readonly url: string;
  readonly timeoutMs: number;
  readonly failMode: 'open' | 'closed';
  readonly credential?: { readonly header: string; readonly prefix: string; readonly secret: Secret };
}

/** One policy, compiled: its rules per direction and its webhooks. */
export interface RuntimePolicy {
  readonly name: string;
  readonly rules: Readonly<Record<Direction, RuleSet | undefined>>;
  readonly webhooks: Readonly<Record<Direction, readonly RuntimeWebhook[]>>;
  readonly blockStatus: 400 | 403;
  readonly maxTextBytes: number;
}

interface Matcher {
  readonly callers?: ReadonlySet<string>;
  readonly teams?: ReadonlySet<string>;
  readonly models?: ReadonlySet<string>;
}

/** Every configured policy; picks the one for a request. */
export class RuntimeGuardrails {
  private readonly byName = new Map<string, RuntimePolicy>();

  constructor(
    private readonly policies: ReadonlyArray<{ readonly match: Matcher; readonly policy: RuntimePolicy }>,
    private readonly fallback: RuntimePolicy | undefined,
  ) {
    if (fallback) this.byName.set(fallback.name, fallback);
    for (const { policy } of policies) this.byName.set(policy.name, policy);
  }

  /** Names a runtime assignment may use. */
  policyNames(): string[] {
    return [...this.byName.keys()];
  }

  /**
   * The request's policy: a runtime assignment (admin API: the caller's, then the team's;
   * `none` for no guardrails), else the first configured policy whose every condition holds,
   * else the default; undefined when that has nothing to do.
   */
  policyFor(identity: Identity, model: string, assigned?: ReadonlyMap<string, string>): RuntimePolicy | undefined {
    const name = assigned?.get(`caller:${identity.caller}`) ?? assigned?.get(`team:${identity.team}`);
    if (name === 'none') return undefined;
    const chosen = name === undefined ? undefined : this.byName.get(name);
    if (chosen) return isEmpty(chosen) ? undefined : chosen;
    for (const { match, policy } of this.policies) {
      if (match.callers && !match.callers.has(identity.caller)) continue;
      if (match.teams && !match.teams.has(identity.team)) continue;
      if (match.models && !match.models.has(model)) continue;
      return isEmpty(policy) ? undefined : policy;
    }
    return this.fallback && !isEmpty(this.fallback) ? this.fallback : undefined;
  }
}

function isEmpty(policy: RuntimePolicy): boolean {
  return !policy.rules.request && !policy.rules.response && policy.webhooks.request.length === 0 && policy.webhooks.response.length === 0;
}

function customDetector(spec: GuardrailsConfig['detectors'][number]): Detector {
  const label = spec.label ?? spec.name.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
  return spec.keywords ? keywordDetector(spec.name, label, spec.keywords) : regexDetector(spec.name, label, spec.regex ?? '', spec.maxLength, spec.caseInsensitive);
}

const DIRECTIONS: readonly Direction[] = ['request', 'response'];

/** Compiles `guardrails:`; a webhook whose secret cannot be read is a warning and is called without it. */
export function compileGuardrails(config: GuardrailsConfig, env: NodeJS.ProcessEnv, warnings: string[]): RuntimeGuardrails {
  // Custom detectors first: for the same span, the operator's own detector names the finding.
  const detectors = new Map<string, Detector>([...config.detectors.map((spec) => [spec.name, customDetector(spec)] as const), ...BUILTIN_DETECTORS]);
  const order = [...detectors.keys()];
  const webhooks = new Map<string, RuntimeWebhook>();
  config.webhooks.forEach((spec, index) => {
    let credential: RuntimeWebhook['credential'];
    if (spec.credential) {
      const { secret, problem } = readSecret(spec.credential, env);
      if (secret) credential = { header: spec.credential.header, prefix: spec.credential.prefix, secret };
      else warnings.push(`guardrails.webhooks[${index}].credential: ${problem ?? 'missing'}; webhook "${spec.name}" is called without it`);
    }
    webhooks.set(spec.name, { name: spec.name, url: spec.url, timeoutMs: spec.timeoutMs, failMode: spec.failMode, credential });
  });

  type Actions = Map<string, GuardrailAction>;
  const actionsOf = (body: GuardrailPolicyBody | undefined): Record<Direction, Actions> => {
    const actions: Record<Direction, Actions> = { request: new Map(), response: new Map() };
    for (const rule of body?.rules ?? []) for (const direction of rule.on) for (const name of rule.detectors) actions[direction].set(name, rule.action);
    return actions;
  };
  const hooksOf = (body: GuardrailPolicyBody | undefined): Record<Direction, string[]> => {
    const hooks: Record<Direction, string[]> = { request: [], response: [] };
    for (const ref of body?.webhooks ?? []) for (const direction of ref.on) hooks[direction].push(ref.webhook);
    return hooks;
  };
  const build = (name: string, actions: Record<Direction, Actions>, hooks: Record<Direction, string[]>, blockStatus: 400 | 403): RuntimePolicy => {
    const ruleSet = (direction: Direction): RuleSet | undefined => {
      const rules: Rule[] = [];
      for (const detectorName of order) {
        const action = actions[direction].get(detectorName);
        const detector = detectors.get(detectorName);
        if (action && detector) rules.push({ detector, action });
      }
      return rules.length > 0 ? new RuleSet(rules) : undefined;
    };
    const hooksFor = (direction: Direction): RuntimeWebhook[] =>
      [...new Set(hooks[direction])].map((hook) => webhooks.get(hook)).filter((hook): hook is RuntimeWebhook => hook !== undefined);
    return {
      name,
      rules: { request: ruleSet('request'), response: ruleSet('response') },
      webhooks: { request: hooksFor('request'), response: hooksFor('response') },
      blockStatus,
      maxTextBytes: config.maxTextBytes,
    };
  };

  const defaultActions = actionsOf(config.default);
  const defaultHooks = hooksOf(config.default);
  const fallback = config.default ? build('default', defaultActions, defaultHooks, config.default.blockStatus) : undefined;
  const policies = config.policies.map((spec) => {
    const actions = actionsOf(spec);
    const hooks = hooksOf(spec);
    if (spec.inherit) {
      for (const direction of DIRECTIONS) {
        for (const [detector, action] of defaultActions[direction]) if (!actions[direction].has(detector)) actions[direction].set(detector, action);
        hooks[direction].unshift(...defaultHooks[direction]);
      }
    }
    const match: Matcher = {
      callers: spec.match.callers && new Set(spec.match.callers),
      teams: spec.match.teams && new Set(spec.match.teams),
      models: spec.match.models && new Set(spec.match.models),
    };
    return { match, policy: build(spec.name, actions, hooks, spec.blockStatus) };
  });
  return new RuntimeGuardrails(policies, fallback);
}
