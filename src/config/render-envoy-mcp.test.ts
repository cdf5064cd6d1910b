import { validateConfig } from './load';
import { renderEnvoyBootstrap } from './render-envoy';
import { compileConfig } from './runtime';

type Bootstrap = {
  static_resources: {
    listeners: Array<{ filter_chains: Array<{ filters: Array<{ typed_config: { route_config: { virtual_hosts: Array<{ routes: Array<Record<string, unknown>> }> } } }> }> }>;
    clusters: Array<{ name: string } & Record<string, unknown>>;
  };
};

const BASE = {
  backends: [{ name: 'b', kind: 'openai', baseUrl: 'https://api.openai.com/v1' }],
  models: [{ name: 'm', backends: [{ backend: 'b' }] }],
};
const MCP = { servers: [{ name: 'github', url: 'http://mcp:8000/mcp' }], sessionSecret: { env: 'S' } };

function render(raw: Record<string, unknown>, mcpTarget?: string): Bootstrap {
  return renderEnvoyBootstrap(compileConfig(validateConfig(raw), {}), { mcpTarget }) as unknown as Bootstrap;
}
const routesOf = (bootstrap: Bootstrap) => bootstrap.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes;

describe('MCP routes and cluster', () => {
  test('without mcp: none', () => {
    const bootstrap = render(BASE);
    expect(routesOf(bootstrap).some((route) => JSON.stringify(route).includes('aigw_mcp'))).toBe(false);
    expect(bootstrap.static_resources.clusters.map((cluster) => cluster.name)).toEqual(['aigw_extproc', 'model_0_m']);
  });

  test('/mcp and the metadata path first, to aigw_mcp, ext_proc and the buffer disabled, no route timeout', () => {
    const routes = routesOf(render({ ...BASE, mcp: MCP }));
    const disabled = {
      'envoy.filters.http.ext_proc': { '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute', disabled: true },
      'envoy.filters.http.buffer': { '@type': 'type.googleapis.com/envoy.extensions.filters.http.buffer.v3.BufferPerRoute', disabled: true },
    };
    expect(routes.slice(0, 2)).toEqual([
      { match: { path: '/mcp' }, route: { cluster: 'aigw_mcp', timeout: '0s', idle_timeout: '3600s' }, typed_per_filter_config: disabled },
      { match: { prefix: '/.well-known/oauth-protected-resource' }, route: { cluster: 'aigw_mcp', timeout: '10s' }, typed_per_filter_config: disabled },
    ]);
    // Then the model route and the refusals Envoy answers itself (render-envoy-routes.ts).
    expect(routes).toHaveLength(12);
  });

  test('with rate limits, the ratelimit filter is disabled on the MCP routes too', () => {
    const routes = routesOf(render({ ...BASE, mcp: MCP, rateLimits: { budgets: [{ per: 'team', usd: 1, window: 'month' }] } }));
    expect(routes[0].typed_per_filter_config).toEqual({
      'envoy.filters.http.ext_proc': { '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute', disabled: true },
      'envoy.filters.http.buffer': { '@type': 'type.googleapis.com/envoy.extensions.filters.http.buffer.v3.BufferPerRoute', disabled: true },
      'envoy.filters.http.ratelimit': { '@type': 'type.googleapis.com/envoy.config.route.v3.FilterConfig', disabled: true },
    });
  });

  test('the cluster points at server.mcp (default 127.0.0.1:9092), or the override; a name is STRICT_DNS', () => {
    const cluster = (bootstrap: Bootstrap) => bootstrap.static_resources.clusters.find((candidate) => candidate.name === 'aigw_mcp');
    expect(cluster(render({ ...BASE, mcp: MCP }))).toEqual({
      name: 'aigw_mcp',
      type: 'STATIC',
      connect_timeout: '1s',
      circuit_breakers: { thresholds: [{ max_connections: 100000, max_pending_requests: 100000, max_requests: 100000 }] },
      load_assignment: { cluster_name: 'aigw_mcp', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 9092 } } } }] }] },
    });
    expect(cluster(render({ ...BASE, mcp: MCP, server: { mcp: 'aigw:9300' } }))?.type).toBe('STRICT_DNS');
    expect(JSON.stringify(cluster(render({ ...BASE, mcp: MCP }, '127.0.0.1:4567')))).toContain('"port_value":4567');
    expect(cluster(render({ ...BASE, mcp: MCP, server: { mcp: 'unix:/run/aigw/mcp.sock' } }))?.load_assignment).toEqual({
      cluster_name: 'aigw_mcp',
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { pipe: { path: '/run/aigw/mcp.sock' } } } }] }],
    });
  });
});
