import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateConfig } from '../../config/load';
import { importEaigw } from './import-eaigw';
import { ResourceReader, formatNote } from './resource';
import type { ImportNote } from './resource';
import { importTrafficLimits } from './traffic-limits';

const FIXTURES = join(__dirname, '..', '..', '..', 'e2e', 'fixtures', 'eaigw');

function policy(rules: unknown[], notes: ImportNote[], extra: Record<string, unknown> = {}): ResourceReader {
  return new ResourceReader(
    { apiVersion: 'gateway.envoyproxy.io/v1alpha1', kind: 'BackendTrafficPolicy', metadata: { name: 'p', namespace: 'ai' }, spec: { rateLimit: { global: { rules } }, ...extra } },
    notes,
  );
}

const byModel = (type: string, value?: string): unknown => [{ headers: [{ name: 'x-ai-eg-model', type, ...(value ? { value } : {}) }] }];
const tokenCost = (key: string): unknown => ({ request: { from: 'Number', number: 0 }, response: { from: 'Metadata', metadata: { namespace: 'io.envoy.ai_gateway', key } } });

describe('importTrafficLimits', () => {
  test('limits.yaml with the route: token and request limits per model become descriptor trees that validate', () => {
    const files = ['route.yaml', 'backends.yaml', 'limits.yaml'].map((name) => ({ path: name, text: readFileSync(join(FIXTURES, name), 'utf8') }));
    const result = importEaigw(files);
    expect(result.config.rateLimits?.descriptors).toEqual([
      { key: 'metric', value: 'weighted', descriptors: [{ key: 'model', value: 'gpt-4o', rate_limit: { unit: 'hour', requests_per_unit: 40 } }] },
      { key: 'metric', value: 'llm_total_token', descriptors: [{ key: 'model', rate_limit: { unit: 'day', requests_per_unit: 100000 } }] },
      { key: 'metric', value: 'requests', descriptors: [{ key: 'model', rate_limit: { unit: 'minute', requests_per_unit: 600 }, shadow_mode: true }] },
    ]);
    expect(() => validateConfig(result.config)).not.toThrow();
    expect(result.notes.map(formatNote).filter((note) => note.startsWith('BackendTrafficPolicy'))).toEqual([
      "BackendTrafficPolicy ai/llm-route-limits spec.retry: not carried over: aigw renders the retries (5xx, 429, resets, on the next priority), timeouts, circuit breakers and outlier detection of each model's cluster itself",
      'BackendTrafficPolicy ai/llm-route-limits spec.rateLimit.global.rules[3].clientSelectors: not carried over: aigw limits count per caller, user, team, project or model; this importer maps one client selector on x-ai-eg-model (Distinct or Exact), and a limit without one would be gateway-wide, which aigw has not',
    ]);
  });

  test('what aigw cannot count is named: an unknown cost key, another metadata namespace, a fixed request cost, local limits, a second rule for the same model', () => {
    const notes: ImportNote[] = [];
    const reader = policy(
      [
        { clientSelectors: byModel('Distinct'), limit: { requests: 1, unit: 'Hour' }, cost: tokenCost('nope') },
        { clientSelectors: byModel('Distinct'), limit: { requests: 1, unit: 'Hour' }, cost: { response: { from: 'Metadata', metadata: { namespace: 'other', key: 'k' } } } },
        { clientSelectors: byModel('Exact', 'm'), limit: { requests: 5, unit: 'Second' }, cost: { request: { from: 'Number', number: 3 } } },
        { clientSelectors: byModel('Exact', 'm'), limit: { requests: 7, unit: 'Day' }, cost: tokenCost('t') },
        { clientSelectors: byModel('Exact', 'm'), limit: { requests: 8, unit: 'Day' }, cost: tokenCost('t') },
        { clientSelectors: byModel('RegularExpression', 'm.*'), limit: { requests: 9, unit: 'Day' } },
      ],
      notes,
      { timeout: { http: { requestTimeout: '5s' } } },
    );
    const trees = importTrafficLimits([reader], new Map([['t', 'total']]));
    reader.reportUnread();
    expect(trees).toEqual([{ key: 'metric', value: 'total', descriptors: [{ key: 'model', value: 'm', rate_limit: { unit: 'day', requests_per_unit: 7 } }] }]);
    const rules = 'BackendTrafficPolicy ai/p spec.rateLimit.global.rules';
    expect(notes.map(formatNote)).toEqual([
      "BackendTrafficPolicy ai/p spec.timeout: not carried over: aigw renders the retries (5xx, 429, resets, on the next priority), timeouts, circuit breakers and outlier detection of each model's cluster itself",
      `${rules}[0].cost.response.metadata.key: not carried over: no imported llmRequestCost has metadataKey nope`,
      `${rules}[1].cost.response: not carried over: aigw counts token costs of llmRequestCosts (io.envoy.ai_gateway metadata) only`,
      `${rules}[2].cost.request: not carried over: aigw counts each request once, or a token cost at the response`,
      `${rules}[4]: not carried over: an earlier rule already limits total for model m`,
      `${rules}[5].clientSelectors: not carried over: aigw limits count per caller, user, team, project or model; this importer maps one client selector on x-ai-eg-model (Distinct or Exact), and a limit without one would be gateway-wide, which aigw has not`,
    ]);
  });
});
