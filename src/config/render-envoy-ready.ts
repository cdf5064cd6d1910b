import type { Json } from './render-envoy-clusters';
import { socketAddress, typed } from './render-envoy-clusters';

/** The ready listener's HTTP stats are `http.aigw_ready.*`, apart from the traffic counted in `http.aigw.*`. */
export const READY_STAT_PREFIX = 'aigw_ready';

/** The path the ready listener answers on. */
export const READY_PATH = '/ready';

/** Envoy's metrics in Prometheus' text format, relayed from its admin. */
export const METRICS_PATH = '/stats/prometheus';

/** The cluster that reaches Envoy's own admin, for METRICS_PATH only. */
export const ADMIN_CLUSTER = 'aigw_envoy_admin';

/** The ready listener's HOST:PORT → [host, port] (IPv6 literals in brackets); throws on anything else. */
export function readyHostPort(address: string): [string, number] {
  const match = /^\[?([^\]]*?)\]?:(\d{1,5})$/.exec(address);
  if (!match || Number(match[2]) < 1 || Number(match[2]) > 65535) throw new Error(`--ready must be HOST:PORT, not ${address}`);
  return [match[1], Number(match[2])];
}

/**
 * A listener for orchestrators: `GET /ready` is answered by Envoy's own health-check filter,
 * 200 while Envoy is healthy and 503 once its admin's `POST /healthcheck/fail` was called (the
 * first step of a drain); with `admin`, `GET /stats/prometheus` is relayed to Envoy's admin for
 * scrapers. Nothing else of the admin is reachable (whoever reaches the admin can stop Envoy, so
 * it stays on loopback); every other path is a 404.
 * (https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/health_check_filter)
 */
export function readyListener(address: string, admin?: { host: string; port: number }): Json {
  const [host, port] = readyHostPort(address);
  const metricsRoute = admin ? [{ match: { path: METRICS_PATH, headers: [{ name: ':method', string_match: { exact: 'GET' } }] }, route: { cluster: ADMIN_CLUSTER } }] : [];
  return {
    name: 'aigw_ready',
    address: socketAddress(host, port),
    filter_chains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: typed('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', {
              stat_prefix: READY_STAT_PREFIX,
              codec_type: 'AUTO',
              route_config: {
                name: 'aigw_ready',
                virtual_hosts: [{ name: 'aigw_ready', domains: ['*'], routes: [...metricsRoute, { match: { prefix: '/' }, direct_response: { status: 404 } }] }],
              },
              http_filters: [
                {
                  name: 'envoy.filters.http.health_check',
                  typed_config: typed('envoy.extensions.filters.http.health_check.v3.HealthCheck', {
                    // Answered here, never forwarded: the answer is Envoy's own health.
                    pass_through_mode: false,
                    headers: [{ name: ':path', string_match: { exact: READY_PATH } }],
                  }),
                },
                { name: 'envoy.filters.http.router', typed_config: typed('envoy.extensions.filters.http.router.v3.Router') },
              ],
            }),
          },
        ],
      },
    ],
  };
}

/** The cluster of Envoy's own admin (on loopback when it listens on every address). */
export function adminCluster(host: string, port: number): Json {
  const address = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return {
    name: ADMIN_CLUSTER,
    type: 'STATIC',
    connect_timeout: '1s',
    load_assignment: { cluster_name: ADMIN_CLUSTER, endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(address, port) } }] }] },
  };
}
