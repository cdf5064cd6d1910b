import { ADMIN_CLUSTER, METRICS_PATH, READY_PATH, READY_STAT_PREFIX, adminCluster, readyListener } from './render-envoy-ready';

describe('readyListener', () => {
  test('without the admin: only GET /ready, answered by the health-check filter and never forwarded; everything else is a 404', () => {
    const listener = readyListener('0.0.0.0:19001') as {
      name: string;
      address: unknown;
      filter_chains: Array<{ filters: Array<{ typed_config: { stat_prefix: string; route_config: unknown; http_filters: Array<{ name: string; typed_config: Record<string, unknown> }> } }> }>;
    };
    expect(listener.name).toBe('aigw_ready');
    expect(listener.address).toEqual({ socket_address: { address: '0.0.0.0', port_value: 19001 } });
    const manager = listener.filter_chains[0].filters[0].typed_config;
    expect(manager.stat_prefix).toBe(READY_STAT_PREFIX);
    expect(manager.route_config).toEqual({
      name: 'aigw_ready',
      virtual_hosts: [{ name: 'aigw_ready', domains: ['*'], routes: [{ match: { prefix: '/' }, direct_response: { status: 404 } }] }],
    });
    expect(manager.http_filters.map((filter) => filter.name)).toEqual(['envoy.filters.http.health_check', 'envoy.filters.http.router']);
    expect(manager.http_filters[0].typed_config).toEqual({
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.health_check.v3.HealthCheck',
      pass_through_mode: false,
      headers: [{ name: ':path', string_match: { exact: READY_PATH } }],
    });
  });

  test('with the admin: GET /stats/prometheus is relayed to it, nothing else of it', () => {
    const listener = readyListener('0.0.0.0:19001', { host: '127.0.0.1', port: 9901 }) as {
      filter_chains: Array<{ filters: Array<{ typed_config: { route_config: { virtual_hosts: Array<{ routes: unknown[] }> } } }> }>;
    };
    expect(listener.filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes).toEqual([
      { match: { path: METRICS_PATH, headers: [{ name: ':method', string_match: { exact: 'GET' } }] }, route: { cluster: ADMIN_CLUSTER } },
      { match: { prefix: '/' }, direct_response: { status: 404 } },
    ]);
    expect(adminCluster('0.0.0.0', 9901)).toEqual({
      name: ADMIN_CLUSTER,
      type: 'STATIC',
      connect_timeout: '1s',
      load_assignment: { cluster_name: ADMIN_CLUSTER, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 9901 } } } }] }] },
    });
  });

  test('an IPv6 address in brackets', () => {
    expect((readyListener('[::]:19001') as { address: unknown }).address).toEqual({ socket_address: { address: '::', port_value: 19001 } });
  });

  test.each(['19001', 'host', 'host:0', 'host:70000'])('refuses %s', (address) => {
    expect(() => readyListener(address)).toThrow(`--ready must be HOST:PORT, not ${address}`);
  });
});
