import { parse } from 'yaml';
import { validateConfig } from './load';
import { aigwClusters, aigwHttpFilters, renderEnvoyBootstrap } from './render-envoy';
import { renderEnvoyFragment, renderEnvoyFragmentYaml } from './render-envoy-fragment';
import { renderRoutes } from './render-envoy-routes';
import { compileConfig } from './runtime';

type Json = Record<string, unknown>;

const CONFIG = compileConfig(
  validateConfig({
    backends: [
      { name: 'openai', kind: 'openai', baseUrl: 'https://api.openai.com/v1' },
      { name: 'vllm', kind: 'openai', baseUrl: 'http://vllm.internal:8000/v1' },
    ],
    models: [{ name: 'gpt-4o-mini', backends: [{ backend: 'vllm' }, { backend: 'openai', priority: 1 }] }],
    rateLimits: { budgets: [{ per: 'team', usd: 1, window: 'month' }] },
    mcp: { servers: [{ name: 'docs', url: 'http://docs.internal/mcp' }], sessionSecret: { env: 'S' } },
  }),
  { S: 'session-secret-of-the-test-32-bytes-long' },
);
const FRAGMENT = renderEnvoyFragment(CONFIG);

function routesOf(value: unknown): Json[] {
  return value as Json[];
}

/** A route for every path: prefix `/`, narrowed by nothing (neither aigw's model metadata nor headers). */
function catchAll(route: Json): boolean {
  const match = route.match as Json;
  return match.prefix === '/' && match.dynamic_metadata === undefined && match.headers === undefined;
}

describe('renderEnvoyFragment', () => {
  test('stable top-level keys, in order', () => {
    expect(Object.keys(FRAGMENT)).toEqual([
      'notes',
      'http_filters',
      'virtual_host',
      'merge_routes',
      'clusters',
      'local_reply_config',
      'access_log',
      'listener',
      'http_connection_manager',
      'router',
      'bootstrap',
    ]);
  });

  test('http_filters: aigw\'s filters in the bootstrap\'s order, all before the router, under names of their own', () => {
    const entries = FRAGMENT.http_filters as Array<{ insert: string; filter: Json }>;
    expect(entries.map((entry) => entry.insert)).toEqual(['before_router', 'before_router', 'before_router', 'before_router', 'before_router']);
    expect(entries.map((entry) => entry.filter.name)).toEqual(['aigw.lua.response', 'aigw.ext_proc', 'aigw.buffer', 'aigw.lua.request', 'aigw.ratelimit']);
    expect(entries.map((entry) => entry.filter.disabled)).toEqual([undefined, true, true, undefined, undefined]);
    // The same typed configs as aigw's own listener.
    expect(entries.map((entry) => entry.filter.typed_config)).toEqual(aigwHttpFilters(CONFIG).map((filter) => filter.typed_config));
  });

  test('routes are named aigw.<n>, refer to filters by their fragment names, and turn the buffer on wherever aigw\'s ext_proc is on', () => {
    const routes = routesOf((FRAGMENT.virtual_host as Json).routes);
    expect(routes).toHaveLength(renderRoutes(CONFIG).length);
    expect(routes.map((route) => route.name)).toEqual(routes.map((_, index) => `aigw.${index}`));
    for (const route of routes) {
      const perFilter = route.typed_per_filter_config as Json;
      expect(Object.keys(perFilter).filter((name) => name.startsWith('envoy.filters.'))).toEqual([]);
      const extproc = perFilter['aigw.ext_proc'] as Json | undefined;
      if (extproc && extproc.disabled !== true) expect(perFilter['aigw.buffer']).toMatchObject({ buffer: { max_request_bytes: 32 * 1024 * 1024 } });
    }
    const modelRoute = routes.find((route) => (route.route as Json | undefined)?.cluster === 'model_0_gpt-4o-mini');
    expect(Object.keys(modelRoute?.typed_per_filter_config as Json)).toEqual(['aigw.ext_proc', 'aigw.buffer']);
    const mcpRoute = routes.find((route) => (route.match as Json).path === '/mcp');
    expect(Object.keys(mcpRoute?.typed_per_filter_config as Json)).toEqual(['aigw.ext_proc', 'aigw.buffer', 'aigw.ratelimit']);
  });

  test('merge_routes leave out the catch-all 404 and scope the 401 and 413 refusals to aigw\'s paths', () => {
    const own = routesOf((FRAGMENT.virtual_host as Json).routes);
    const merged = routesOf((FRAGMENT.merge_routes as Json).routes);
    expect(merged).toHaveLength(own.length - 2);
    expect(merged.filter(catchAll)).toEqual([]);
    expect(own.filter(catchAll).map((route) => JSON.stringify(route.direct_response).includes('unknown_url'))).toEqual([true]);
    const noKey = merged.filter((route) => JSON.stringify(route.match).includes('"present_match":false'));
    expect(noKey.map((route) => route.match)).toEqual([
      { safe_regex: { regex: '^(/anthropic)?/v1/messages/*$' }, headers: [{ name: 'authorization', present_match: false }, { name: 'x-api-key', present_match: false }] },
      { safe_regex: { regex: '^(/v1/(chat/completions|completions|embeddings|responses|models)|(/anthropic)?/v1/messages)/*$' }, headers: [{ name: 'authorization', present_match: false }, { name: 'x-api-key', present_match: false }] },
    ]);
    expect((FRAGMENT.merge_routes as Json).needs_own_virtual_host).toHaveLength(2);
  });

  test('clusters are the bootstrap\'s; mappers and access logs apply on aigw\'s routes only', () => {
    expect(FRAGMENT.clusters).toEqual(aigwClusters(CONFIG));
    expect((FRAGMENT.clusters as Json[]).map((cluster) => cluster.name)).toEqual(['aigw_extproc', 'model_0_gpt-4o-mini', 'aigw_mcp']);
    const onAigwRoute = "xds.route_name.startsWith('aigw.')";
    const entries = [...((FRAGMENT.local_reply_config as Json).mappers as Json[]), ...(FRAGMENT.access_log as Json[])];
    expect(entries.length).toBeGreaterThan(2);
    for (const entry of entries) expect(JSON.stringify((entry.filter as Json).and_filter ?? entry.filter)).toContain(onAigwRoute);
  });

  test('virtual_host domains, listener, bootstrap and router settings', () => {
    const fragment = renderEnvoyFragment(CONFIG, { domains: ['ai.example.com'] });
    expect((fragment.virtual_host as Json).domains).toEqual(['ai.example.com']);
    expect((FRAGMENT.virtual_host as Json).domains).toEqual(['*']);
    expect(fragment.listener).toEqual({ per_connection_buffer_limit_bytes: 32 * 1024 * 1024 });
    expect(fragment.router).toEqual({ suppress_envoy_headers: true });
    expect(fragment.bootstrap).toEqual({ layered_runtime: { layers: [{ name: 'aigw', static_layer: { 'envoy.reloadable_features.ext_proc_graceful_grpc_close': true } }] } });
    const bootstrapRuntime = renderEnvoyBootstrap(CONFIG).layered_runtime as { layers: Array<{ static_layer: Json }> };
    expect(bootstrapRuntime.layers[0].static_layer).toEqual({ 'envoy.reloadable_features.ext_proc_graceful_grpc_close': true });
  });

  test('the YAML says where it came from and parses back to the same data', () => {
    const text = renderEnvoyFragmentYaml(CONFIG, {}, 'aigw.yaml');
    expect(text.split('\n')[0]).toBe('# Rendered by `aigw render-envoy aigw.yaml --fragment`: what to add to your own Envoy (docs/envoy-fragment.md). Do not edit: change the aigw config and render again.');
    expect(parse(text)).toEqual(JSON.parse(JSON.stringify(FRAGMENT)));
  });
});
