import { asList } from './resource';
import type { ResourceReader } from './resource';

/** A model of the imported config. */
export interface ImportedModel {
  name: string;
  backends: Array<{ backend: string; priority: number; weight?: number; model?: string }>;
  idleTimeoutSeconds?: number;
}

/** A routing rule that sends a model's requests with certain headers to another (hidden) model. */
export interface ImportedRoutingRule {
  name: string;
  match: { model: string; headers: Record<string, string> };
  to: string;
}

/** What the AIGatewayRoutes become. */
export interface RoutesImport {
  models: ImportedModel[];
  routing: ImportedRoutingRule[];
  /** Whole-request timeout in seconds (0: none), when any rule sets or implies one. */
  requestTimeoutSeconds?: number;
}

/** The header Envoy AI Gateway fills with the request's model (api/v1beta1 AIModelHeaderKey). */
export const MODEL_HEADER = 'x-ai-eg-model';

/** Envoy AI Gateway's request timeout when a rule sets none (60 s, not Envoy Gateway's 15 s). */
const DEFAULT_REQUEST_TIMEOUT_SECONDS = 60;

/** A Gateway API Duration (`1h30m`, `500ms`, `10s`) in milliseconds, or undefined when malformed. */
export function durationMs(text: string): number | undefined {
  if (!/^(\d+(h|ms|m|s))+$/.test(text)) return undefined;
  const unit: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  let total = 0;
  for (const part of text.matchAll(/(\d+)(h|ms|m|s)/g)) total += Number(part[1]) * unit[part[2]];
  return total;
}

/** A name that fits aigw's name rule (1-63 of letters, digits, _ . -). */
function safeName(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return (cleaned || 'rule').slice(0, 63);
}

interface Condition {
  model: string;
  headers: Record<string, string>;
  rule: string;
}

/**
 * The AIGatewayRoutes' rules as aigw models: a match on the model header alone is a model;
 * one with more exact header matches is a hidden model plus a routing rule that sends
 * matching requests to it. `backendName` resolves a backendRef (`namespace/name`) to the
 * aigw backend, or undefined when that backend was left out.
 */
export function importRoutes(routes: readonly ResourceReader[], backendName: (key: string) => string | undefined): RoutesImport {
  const models = new Map<string, ImportedModel>();
  const conditional: Array<{ condition: Condition; model: ImportedModel; route: ResourceReader; path: string }> = [];
  const timeouts: Array<{ route: ResourceReader; path: string; seconds: number; written: boolean }> = [];
  for (const route of routes) {
    route.skip('spec.parentRefs', 'not carried over: aigw serves every model on its one listener (listener.address, listener.port)');
    route.skip('spec.hostnames', 'not carried over: aigw matches no Host; every hostname reaches the same models');
    route.take('spec.llmRequestCosts');
    asList(route.peek('spec.rules')).forEach((_, index) => {
      const path = `spec.rules[${index}]`;
      const ruleName = route.string(`${path}.name`) ?? `rule-${index}`;
      route.skip(`${path}.modelsOwnedBy`, 'not carried over: aigw\'s GET /v1/models reports its own owned_by');
      route.skip(`${path}.modelsCreatedAt`, 'not carried over: aigw\'s GET /v1/models reports its own created time');
      route.skip(`${path}.timeouts.backendRequest`, 'not carried over: aigw has no per-attempt timeout (limits.requestTimeoutSeconds bounds the whole request, idleTimeoutSeconds a silence)');
      const idle = route.string(`${path}.streamIdleTimeout`);
      const idleMs = idle === undefined ? undefined : durationMs(idle);
      if (idle !== undefined && idleMs === undefined) route.note(`${path}.streamIdleTimeout`, `not carried over: "${idle}" is not a Gateway API duration`);
      const backends = ruleBackends(route, path, backendName);
      const template = (name: string): ImportedModel => ({
        name,
        backends: backends.map((entry) => ({ ...entry })),
        ...(idleMs !== undefined && idleMs > 0 ? { idleTimeoutSeconds: Math.min(86400, Math.max(1, Math.ceil(idleMs / 1000))) } : {}),
      });
      const matches = asList(route.peek(`${path}.matches`));
      if (matches.length === 0) {
        route.note(`${path}.matches`, 'not carried over: a rule without matches takes every model; aigw routes by model name, so list the models it should serve as matches on x-ai-eg-model');
        route.take(path); // the rest of a rule left out is covered by this note
        return;
      }
      if (backends.length === 0) {
        route.note(`${path}.backendRefs`, 'not carried over: no backend of this rule could be imported, so its models are left out');
        route.take(path);
        return;
      }
      const request = route.string(`${path}.timeouts.request`);
      const requestMs = request === undefined ? DEFAULT_REQUEST_TIMEOUT_SECONDS * 1000 : durationMs(request);
      if (requestMs === undefined) route.note(`${path}.timeouts.request`, `not carried over: "${request}" is not a Gateway API duration`);
      else timeouts.push({ route, path: `${path}.timeouts.request`, seconds: Math.ceil(requestMs / 1000), written: request !== undefined });
      matches.forEach((__, matchIndex) => {
        const condition = readMatch(route, `${path}.matches[${matchIndex}]`, `${route.name}.${ruleName}`);
        if (!condition) return;
        if (Object.keys(condition.headers).length === 0) {
          if (models.has(condition.model)) route.note(`${path}.matches[${matchIndex}]`, `not carried over: model "${condition.model}" is already served by an earlier rule (the first one wins)`);
          else models.set(condition.model, template(condition.model));
          return;
        }
        // The hidden model's name must not go upstream: each backend is told the model asked for.
        const hidden = template(`${condition.model}@${safeName(`${route.name}.${ruleName}`)}`);
        hidden.backends = hidden.backends.map((entry) => ({ ...entry, model: entry.model ?? condition.model }));
        conditional.push({ condition, model: hidden, route, path: `${path}.matches[${matchIndex}]` });
      });
    });
  }
  const routing: ImportedRoutingRule[] = [];
  // Gateway API precedence: the match with more header conditions wins; aigw takes the first rule that matches.
  conditional.sort((a, b) => Object.keys(b.condition.headers).length - Object.keys(a.condition.headers).length);
  for (const { condition, model, route, path } of conditional) {
    if (!models.has(condition.model)) {
      models.set(condition.model, { ...model, name: condition.model });
      route.note(path, `model "${condition.model}" has no rule without header conditions, so aigw serves it from this rule's backends whatever the headers (aigw needs the model to exist for a routing rule)`);
    }
    let target = model.name;
    for (let suffix = 2; models.has(target); suffix += 1) target = `${model.name}-${suffix}`;
    models.set(target, { ...model, name: target });
    let name = safeName(condition.rule);
    for (let suffix = 2; routing.some((rule) => rule.name === name); suffix += 1) name = safeName(`${condition.rule}-${suffix}`);
    routing.push({ name, match: { model: condition.model, headers: condition.headers }, to: target });
  }
  const seconds = timeouts.map((timeout) => timeout.seconds);
  const requestTimeoutSeconds = seconds.length === 0 ? undefined : seconds.includes(0) ? 0 : Math.max(...seconds);
  for (const timeout of timeouts) {
    if (timeout.seconds === requestTimeoutSeconds) continue;
    const what = timeout.written ? `${timeout.seconds}s` : `unset (Envoy AI Gateway's default ${DEFAULT_REQUEST_TIMEOUT_SECONDS}s)`;
    timeout.route.note(timeout.path, `${what}: aigw has one whole-request timeout, limits.requestTimeoutSeconds, set to the longest of all rules (${requestTimeoutSeconds === 0 ? 'none' : `${requestTimeoutSeconds}s`})`);
  }
  return { models: [...models.values()], routing, ...(requestTimeoutSeconds !== undefined ? { requestTimeoutSeconds } : {}) };
}

/** A rule's backendRefs as model backends (weight 0 and InferencePool refs left out, with a note). */
function ruleBackends(route: ResourceReader, path: string, backendName: (key: string) => string | undefined): ImportedModel['backends'] {
  const result: ImportedModel['backends'] = [];
  asList(route.peek(`${path}.backendRefs`)).forEach((_, index) => {
    const at = `${path}.backendRefs[${index}]`;
    const name = route.string(`${at}.name`) ?? '';
    const namespace = route.string(`${at}.namespace`) ?? route.namespace;
    const kind = route.string(`${at}.kind`);
    route.take(`${at}.group`);
    route.skip(`${at}.headerMutation`, 'not carried over: aigw sets only the headers each provider needs; fixed extra headers per backend have no equivalent');
    route.skip(`${at}.bodyMutation`, 'not carried over: aigw does not rewrite request body fields per backend');
    const priority = route.number(`${at}.priority`);
    const weight = route.number(`${at}.weight`);
    const override = route.string(`${at}.modelNameOverride`);
    if (kind !== undefined && kind !== 'AIServiceBackend') {
      route.note(`${at}.kind`, `not carried over: aigw has no ${kind} (an endpoint picker); name each model server as a backend`);
      return;
    }
    if (weight === 0) {
      route.note(`${at}.weight`, 'not carried over: weight 0 sends this backend no traffic, so it is left out');
      return;
    }
    const backend = backendName(`${namespace}/${name}`);
    if (!backend) {
      route.note(at, `not carried over: AIServiceBackend ${namespace}/${name} was not imported (see its notes, or add its file)`);
      return;
    }
    if (result.some((entry) => entry.backend === backend)) {
      route.note(at, `not carried over: AIServiceBackend ${namespace}/${name} is listed twice in this rule`);
      return;
    }
    if (priority !== undefined && priority > 100) route.note(`${at}.priority`, `aigw priorities go up to 100: ${priority} is written as 100`);
    result.push({
      backend,
      // Always written: Envoy AI Gateway's default is 0 (backends share load), aigw's is list order.
      priority: Math.min(priority ?? 0, 100),
      ...(weight !== undefined && weight !== 1 ? { weight } : {}),
      ...(override ? { model: override } : {}),
    });
  });
  return result;
}

/** A match as a model and extra header conditions, or undefined (with a note) when aigw cannot express it. */
function readMatch(route: ResourceReader, path: string, rule: string): Condition | undefined {
  let model: string | undefined;
  const headers: Record<string, string> = {};
  const headerList = asList(route.peek(`${path}.headers`));
  for (let index = 0; index < headerList.length; index += 1) {
    const at = `${path}.headers[${index}]`;
    const name = (route.string(`${at}.name`) ?? '').toLowerCase();
    const value = route.string(`${at}.value`) ?? '';
    const type = route.string(`${at}.type`) ?? 'Exact';
    if (type !== 'Exact') {
      route.note(`${at}.type`, `not carried over: aigw matches exact header values, not ${type}; this match is left out`);
      return undefined;
    }
    if (name === MODEL_HEADER) model = value;
    else headers[name] = value;
  }
  if (model === undefined) {
    route.note(path, `not carried over: a match without ${MODEL_HEADER} applies to every model; aigw routing rules start from a model, so this match is left out`);
    return undefined;
  }
  return { model, headers, rule };
}
