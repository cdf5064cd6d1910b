import type { DescriptorNode } from '../../config/schema-limits';
import { asList, asObject } from './resource';
import type { ResourceReader } from './resource';
import { MODEL_HEADER } from './routes';

/** Envoy AI Gateway's dynamic metadata namespace for llmRequestCosts (api/v1beta1 AIGatewayFilterMetadataNamespace). */
const COST_NAMESPACE = 'io.envoy.ai_gateway';

/** A descriptor tree as written in aigw.yaml (defaults left out). */
export type ImportedDescriptor = Pick<DescriptorNode, 'key' | 'value'> & {
  rate_limit?: { unit: string; requests_per_unit: number };
  shadow_mode?: boolean;
  descriptors?: ImportedDescriptor[];
};

/** Envoy Gateway's BackendTrafficPolicy fields besides rateLimit, and why none is imported. */
const OTHER_FIELDS_REASON =
  "not carried over: aigw renders the retries (5xx, 429, resets, on the next priority), timeouts, circuit breakers and outlier detection of each model's cluster itself";

/** The imported limit of one rule: the metric it counts and the node under it. */
interface RuleLimit {
  metric: string;
  node: ImportedDescriptor;
}

/**
 * BackendTrafficPolicies' global rate limits as aigw descriptor trees, where aigw can count
 * the same thing: requests, or an imported llmRequestCost (the rule's response cost read
 * from `io.envoy.ai_gateway` metadata), per model (a client selector on x-ai-eg-model:
 * Distinct for each model, Exact for one). `costByKey` maps metadataKeys to aigw cost names.
 */
export function importTrafficLimits(policies: readonly ResourceReader[], costByKey: ReadonlyMap<string, string>): ImportedDescriptor[] {
  const trees = new Map<string, ImportedDescriptor>();
  for (const policy of policies) {
    const spec = asObject(policy.peek('spec')) ?? {};
    policy.take('spec.targetRefs');
    policy.take('spec.targetRef');
    for (const field of Object.keys(spec)) {
      if (!['targetRefs', 'targetRef', 'rateLimit'].includes(field)) policy.skip(`spec.${field}`, OTHER_FIELDS_REASON);
    }
    policy.skip('spec.rateLimit.local', 'not carried over: aigw limits are shared by every Envoy+aigw pair through its store (rateLimits.store), not per Envoy');
    policy.take('spec.rateLimit.type');
    asList(policy.peek('spec.rateLimit.global.rules')).forEach((_, index) => {
      const imported = importRule(policy, `spec.rateLimit.global.rules[${index}]`, costByKey);
      if (!imported) return;
      const tree = trees.get(imported.metric) ?? { key: 'metric', value: imported.metric, descriptors: [] };
      trees.set(imported.metric, tree);
      const children = tree.descriptors ?? [];
      if (children.some((child) => child.key === imported.node.key && child.value === imported.node.value)) {
        policy.note(`spec.rateLimit.global.rules[${index}]`, `not carried over: an earlier rule already limits ${imported.metric} for ${imported.node.value === undefined ? 'each model' : `model ${imported.node.value}`}`);
        return;
      }
      children.push(imported.node);
    });
  }
  return [...trees.values()];
}

function importRule(policy: ResourceReader, path: string, costByKey: ReadonlyMap<string, string>): RuleLimit | undefined {
  const requests = policy.number(`${path}.limit.requests`);
  const unit = policy.string(`${path}.limit.unit`);
  const shadow = policy.take(`${path}.shadowMode`) === true;
  policy.skip(`${path}.limit.fromMetadata`, 'not carried over: aigw limits are set in its config or through its admin API, not per request from metadata');
  policy.skip(`${path}.shared`, 'ignored: an aigw limit is always shared by the routes that reach it');
  policy.skip(`${path}.xRateLimitHeaders`, 'not carried over: aigw always sends x-ratelimit headers on model routes');
  policy.take(`${path}.name`);
  const metric = ruleMetric(policy, path, costByKey);
  const model = ruleModel(policy, path);
  if (metric === undefined || model === undefined || requests === undefined || unit === undefined) {
    if (metric !== undefined && model !== undefined) policy.note(`${path}.limit`, 'not carried over: a limit needs requests and unit');
    return undefined;
  }
  const node: ImportedDescriptor = {
    key: 'model',
    ...(model.value !== undefined ? { value: model.value } : {}),
    rate_limit: { unit: unit.toLowerCase(), requests_per_unit: requests },
    ...(shadow ? { shadow_mode: true } : {}),
  };
  return { metric, node };
}

/** What the rule counts in aigw: requests, or the cost the response metadata names. */
function ruleMetric(policy: ResourceReader, path: string, costByKey: ReadonlyMap<string, string>): string | undefined {
  const requestFrom = policy.string(`${path}.cost.request.from`);
  const requestNumber = policy.number(`${path}.cost.request.number`);
  policy.take(`${path}.cost.request.metadata`);
  const responseFrom = policy.string(`${path}.cost.response.from`);
  if (responseFrom === undefined) {
    if (requestFrom !== undefined && !(requestFrom === 'Number' && requestNumber === 1)) {
      policy.note(`${path}.cost.request`, 'not carried over: aigw counts each request once, or a token cost at the response');
      return undefined;
    }
    return 'requests';
  }
  const namespace = policy.string(`${path}.cost.response.metadata.namespace`);
  const key = policy.string(`${path}.cost.response.metadata.key`) ?? '';
  policy.take(`${path}.cost.response.number`);
  if (responseFrom !== 'Metadata' || namespace !== COST_NAMESPACE) {
    policy.note(`${path}.cost.response`, `not carried over: aigw counts token costs of llmRequestCosts (${COST_NAMESPACE} metadata) only`);
    return undefined;
  }
  const metric = costByKey.get(key);
  if (metric === undefined) {
    policy.note(`${path}.cost.response.metadata.key`, `not carried over: no imported llmRequestCost has metadataKey ${key}`);
    return undefined;
  }
  // Envoy AI Gateway charges 0 at the request and the cost at the response; aigw reserves the
  // cost's estimate at admission and settles it with the real one, so a burst cannot overshoot.
  if (requestFrom !== undefined && !(requestFrom === 'Number' && requestNumber === 0)) {
    policy.note(`${path}.cost.request`, 'not carried over: aigw reserves the estimated cost at admission and settles with the real one; a fixed request cost has no equivalent');
  }
  return metric;
}

/** The model the rule selects: every model (Distinct on x-ai-eg-model) or one (Exact). */
function ruleModel(policy: ResourceReader, path: string): { value?: string } | undefined {
  const selectors = asList(policy.peek(`${path}.clientSelectors`));
  const selector = `${path}.clientSelectors[0]`;
  const headers = asList(policy.peek(`${selector}.headers`));
  const other = asObject(policy.peek(selector)) ?? {};
  const onlyModel =
    selectors.length === 1 &&
    headers.length === 1 &&
    Object.keys(other).every((field) => field === 'headers') &&
    String(policy.peek(`${selector}.headers[0].name`)).toLowerCase() === MODEL_HEADER &&
    policy.peek(`${selector}.headers[0].invert`) !== true;
  const type = policy.peek(`${selector}.headers[0].type`) ?? 'Exact';
  if (!onlyModel || (type !== 'Distinct' && type !== 'Exact')) {
    policy.note(
      `${path}.clientSelectors`,
      `not carried over: aigw limits count per caller, user, team, project or model; this importer maps one client selector on ${MODEL_HEADER} (Distinct or Exact), and a limit without one would be gateway-wide, which aigw has not`,
    );
    return undefined;
  }
  policy.take(`${path}.clientSelectors`);
  const value = policy.peek(`${selector}.headers[0].value`);
  return type === 'Distinct' ? {} : { value: typeof value === 'string' ? value : '' };
}
