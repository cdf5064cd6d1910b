import { READY_PATH, READY_STAT_PREFIX, readyListener } from './render-envoy-ready';

describe('readyListener', () => {
  test('answers only GET /ready with the health-check filter, never forwarding; everything else is a 404', () => {
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

  test('an IPv6 address in brackets', () => {
    expect((readyListener('[::]:19001') as { address: unknown }).address).toEqual({ socket_address: { address: '::', port_value: 19001 } });
  });

  test.each(['19001', 'host', 'host:0', 'host:70000'])('refuses %s', (address) => {
    expect(() => readyListener(address)).toThrow(`--ready must be HOST:PORT, not ${address}`);
  });
});
