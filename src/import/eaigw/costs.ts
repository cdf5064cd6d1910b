import { formulaProblem } from '../../ratelimit/cost-formulas';
import { asList } from './resource';
import type { ResourceReader } from './resource';

/** Each LLMRequestCost type as an aigw cost formula (CEL over the same usage variables). */
const FORMULAS: Readonly<Record<string, string>> = {
  InputToken: 'input_tokens',
  CachedInputToken: 'cached_input_tokens',
  CacheCreationInputToken: 'cache_creation_input_tokens',
  OutputToken: 'output_tokens',
  TotalToken: 'total_tokens',
  ReasoningToken: 'reasoning_tokens',
};

/** aigw's built-in metrics: a cost formula may not take their names. */
const RESERVED = new Set(['requests', 'tokens', 'usd']);

/** A metadataKey as an aigw cost name (lowercase letters, digits and _, at most 32). */
export function costName(metadataKey: string): string {
  let name = metadataKey
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^[^a-z]+/, '');
  if (name === '' || RESERVED.has(name)) name = `cost_${name}`.replace(/_$/, '');
  return name.slice(0, 32);
}

/** The imported cost formulas, by aigw name, and which metadata key each came from. */
export interface CostsImport {
  costs: Record<string, string>;
  /** metadataKey → aigw cost name (what a BackendTrafficPolicy's metadata cost refers to). */
  byMetadataKey: Map<string, string>;
}

/**
 * llmRequestCosts (each AIGatewayRoute's, then GatewayConfig's globalLLMRequestCosts for keys
 * no route set) as aigw `rateLimits.costs`: the value of each for every request goes to the
 * access log as `cost_<name>`, and a descriptor tree can limit on it.
 */
export function importCosts(routes: readonly ResourceReader[], gatewayConfigs: readonly ResourceReader[]): CostsImport {
  const result: CostsImport = { costs: {}, byMetadataKey: new Map() };
  const formulaOf = new Map<string, string>();
  const read = (reader: ResourceReader, field: string, global: boolean): void => {
    asList(reader.peek(field)).forEach((_, index) => {
      const path = `${field}[${index}]`;
      const key = reader.string(`${path}.metadataKey`) ?? '';
      const type = reader.string(`${path}.type`) ?? 'OutputToken';
      const cel = reader.string(`${path}.cel`);
      const formula = type === 'CEL' ? cel : FORMULAS[type];
      if (type !== 'CEL' && cel !== undefined) reader.note(`${path}.cel`, `ignored: type is ${type}, not CEL`);
      if (formula === undefined) {
        reader.note(path, type === 'CEL' ? 'not carried over: type CEL without a cel expression' : `not carried over: unknown type "${type}"`);
        return;
      }
      const problem = formulaProblem(formula);
      if (problem) {
        reader.note(`${path}.cel`, `not carried over: aigw's CEL check refuses it (${problem}); aigw token variables are ints, so write 2 rather than 2.0 or 2u`);
        return;
      }
      const existing = formulaOf.get(key);
      if (existing !== undefined) {
        if (existing !== formula) reader.note(path, global ? `superseded: a route sets metadataKey ${key} (route costs override global ones)` : `not carried over: another route set metadataKey ${key} to "${existing}"; aigw cost formulas are global (a formula can test model to differ by model)`);
        return;
      }
      formulaOf.set(key, formula);
      let name = costName(key);
      for (let suffix = 2; name in result.costs; suffix += 1) name = `${costName(key).slice(0, 29)}_${suffix}`;
      if (name !== key) reader.note(`${path}.metadataKey`, `named ${name} in aigw (cost names are lowercase letters, digits and _); its value is logged as cost_${name}`);
      if (/\bbackend\b/.test(formula)) reader.note(`${path}.cel`, 'check by hand: backend is the aigw backend name here, not Envoy AI Gateway\'s "name.namespace"');
      result.costs[name] = formula;
      result.byMetadataKey.set(key, name);
    });
  };
  for (const route of routes) read(route, 'spec.llmRequestCosts', false);
  for (const config of gatewayConfigs) {
    read(config, 'spec.globalLLMRequestCosts', true);
    config.skip('spec.extProc', 'not carried over: aigw runs as its own process beside Envoy; its settings are the server: section');
    config.skip('spec.forwardProxy', 'not carried over: set backends[].address to reach a provider through another host');
    config.skip('spec.kubernetes', 'not carried over: container settings belong to the Helm chart (deploy/helm/aigw)');
  }
  return result;
}
