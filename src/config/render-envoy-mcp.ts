import { isIP } from 'node:net';
import type { Json } from './render-envoy-clusters';
import { socketAddress, typed } from './render-envoy-clusters';
import type { RuntimeConfig } from './runtime';

/** The cluster Envoy reaches aigw's MCP gateway through. */
export const MCP_CLUSTER = 'aigw_mcp';

/**
 * The MCP routes, first on the listener: `/mcp` and the OAuth protected-resource metadata go
 * straight to aigw's MCP listener. The LLM path's filters stay out of the way: the router
 * ext_proc (it would buffer bodies and expect a model), the buffer filter and the ratelimit filter are disabled
 * on these routes, so SSE answers stream through unbuffered. No route timeout: a tool call
 * streaming progress may run long (aigw bounds each call with callTimeoutMs).
 */
export function mcpRoutes(config: RuntimeConfig): Json[] {
  if (!config.mcp) return [];
  const disabled: Json = {
    'envoy.filters.http.ext_proc': typed('envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute', { disabled: true }),
    'envoy.filters.http.buffer': typed('envoy.extensions.filters.http.buffer.v3.BufferPerRoute', { disabled: true }),
    ...(config.rateLimits && config.rateLimits.tree.paths.length > 0
      ? { 'envoy.filters.http.ratelimit': typed('envoy.config.route.v3.FilterConfig', { disabled: true }) }
      : {}),
  };
  return [
    {
      match: { path: '/mcp' },
      route: { cluster: MCP_CLUSTER, timeout: '0s', idle_timeout: '3600s' },
      typed_per_filter_config: disabled,
    },
    {
      match: { prefix: '/.well-known/oauth-protected-resource' },
      route: { cluster: MCP_CLUSTER, timeout: '10s' },
      typed_per_filter_config: disabled,
    },
  ];
}

/** The cluster for aigw's MCP listener (plain HTTP/1.1, TCP or a Unix socket); none without an `mcp:` section. */
export function mcpClusters(config: RuntimeConfig, target?: string): Json[] {
  if (!config.mcp) return [];
  const address = target ?? config.mcp.address;
  if (address.startsWith('unix:')) {
    return [
      {
        name: MCP_CLUSTER,
        type: 'STATIC',
        connect_timeout: '1s',
        circuit_breakers: { thresholds: [{ max_connections: 100000, max_pending_requests: 100000, max_requests: 100000 }] },
        load_assignment: { cluster_name: MCP_CLUSTER, endpoints: [{ lb_endpoints: [{ endpoint: { address: { pipe: { path: address.slice('unix:'.length) } } } }] }] },
      },
    ];
  }
  const [, host, port] = /^\[?([^\]]*?)\]?:(\d+)$/.exec(address) ?? [];
  return [
    {
      name: MCP_CLUSTER,
      type: isIP(host) ? 'STATIC' : 'STRICT_DNS',
      connect_timeout: '1s',
      circuit_breakers: { thresholds: [{ max_connections: 100000, max_pending_requests: 100000, max_requests: 100000 }] },
      load_assignment: { cluster_name: MCP_CLUSTER, endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(host, Number(port)) } }] }] },
    },
  ];
}
