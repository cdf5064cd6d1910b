import { stringify } from 'yaml';
import type { ExtprocTls, Json } from './render-envoy-clusters';
import { EXTPROC_CLUSTER, extprocCluster, modelCluster, modelClusterName, routerExtprocFilter, socketAddress, typed } from './render-envoy-clusters';
import { conditionalClientHeaders } from '../extproc/client-headers';
import { luaRequestFilter, luaResponseFilter } from './render-envoy-lua';
import { mcpClusters } from './render-envoy-mcp';
import { adminCluster, readyListener } from './render-envoy-ready';
import { renderRoutes } from './render-envoy-routes';
import { rateLimitFilter } from './render-envoy-ratelimit';
import { accessLog, envoyAnswersLog, localReplyConfig } from './render-envoy-replies';
import type { RuntimeConfig } from './runtime';

export { modelClusterName } from './render-envoy-clusters';
export { tooLargeBody } from './render-envoy-replies';

/**
 * Renders Envoy's bootstrap from the same config aigw runs with, so the two never
 * disagree on models, backends or names. The result is plain data; `renderEnvoyYaml`
 * turns it into the file. Clusters and filters are in render-envoy-clusters.ts, local
 * replies and the access log in render-envoy-replies.ts.
 */

/** Room for a whole non-streamed response (a large embeddings batch) in Envoy's buffer. */
export const RESPONSE_BUFFER_BYTES = 32 * 1024 * 1024;

/** The listener's HTTP stats are `http.<prefix>.*` (aigw up counts in-flight requests there when draining). */
export const HTTP_STAT_PREFIX = 'aigw';

/** Where Envoy's listener and admin bind; tests override ports. */
export interface RenderOptions {
  /** Overrides config.listener.address (a container's Envoy binds 0.0.0.0 inside its namespace). */
  listenerAddress?: string;
  listenerPort?: number;
  adminPort?: number;
  /** Overrides config.envoy.extprocTarget. */
  extprocTarget?: string;
  /** Overrides config.envoy.extprocTls (Envoy's client certificate for a TCP target). */
  extprocTls?: ExtprocTls;
  accessLogPath?: string;
  /** Overrides config.server.mcp as the MCP cluster's endpoint. */
  mcpTarget?: string;
  /** HOST:PORT of a listener answering `/ready` with Envoy's health and `/stats/prometheus` from its admin (render-envoy-ready.ts): for Kubernetes probes and scrapers. */
  readyAddress?: string;
}

/** The most Envoy buffers of one body: a whole request (aigw's limit) or a non-streamed response. */
export function bufferLimitBytes(config: RuntimeConfig): number {
  return Math.max(config.limits.maxRequestBodyBytes, RESPONSE_BUFFER_BYTES);
}

/** aigw's settings of the HTTP connection manager (its listener's; a fragment recommends them). */
export function connectionManagerSettings(config: RuntimeConfig): Json {
  const limits = config.limits;
  return {
    codec_type: 'AUTO',
    use_remote_address: true,
    normalize_path: true,
    merge_slashes: true,
    // A client gets this long to send its headers, and this long for the whole request;
    // a pause longer than the idle timeout (per model on its route) ends a request.
    request_headers_timeout: `${limits.requestHeadersTimeoutSeconds}s`,
    request_timeout: `${limits.requestReceiveTimeoutSeconds}s`,
    stream_idle_timeout: `${limits.idleTimeoutSeconds}s`,
  };
}

/** aigw's HTTP filters, in order; they all go before the router filter. */
export function aigwHttpFilters(config: RuntimeConfig): Json[] {
  return [
    luaResponseFilter([...config.backends.values()].flatMap((backend) => (backend.credential ? [backend.credential.header] : []))),
    // Off unless a route turns it on (render-envoy-routes.ts): a request Envoy's codec refuses
    // (431, 426, a bad header…) has no route, and its local reply still runs the encoder
    // filters; ext_proc sent that reply's body to aigw and lost it when the codec closed the
    // connection (a status line, then nothing), and crashed Envoy when aigw was unreachable.
    { name: 'envoy.filters.http.ext_proc', disabled: true, typed_config: routerExtprocFilter([...config.routing.headerNames, ...conditionalClientHeaders(config)]) },
    // Holds the request headers until aigw has answered on the body (ext_proc alone would
    // let them through to the router before the body was read), and sets content-length
    // for the body aigw may have rewritten.
    { name: 'envoy.filters.http.buffer', typed_config: typed('envoy.extensions.filters.http.buffer.v3.Buffer', { max_request_bytes: bufferLimitBytes(config) }) },
    luaRequestFilter(conditionalClientHeaders(config)),
    ...[rateLimitFilter(config)].filter((filter) => filter !== undefined),
  ];
}

/** aigw's clusters: its gRPC server (ext_proc, rate limits, access log), one per model, MCP. */
export function aigwClusters(config: RuntimeConfig, options: RenderOptions = {}): Json[] {
  const source = config.source;
  const models = [...config.models.values()];
  const extprocTarget = options.extprocTarget ?? source.envoy.extprocTarget ?? source.server.grpc[0];
  return [
    extprocCluster(extprocTarget, options.extprocTls ?? source.envoy.extprocTls),
    ...models.map((model, index) => modelCluster(model, modelClusterName(model, index), config)),
    ...mcpClusters(config, options.mcpTarget),
  ];
}

/** The Envoy bootstrap as data. */
export function renderEnvoyBootstrap(config: RuntimeConfig, options: RenderOptions = {}): Json {
  const source = config.source;
  const bufferLimit = bufferLimitBytes(config);
  const adminPort = options.adminPort ?? source.envoy.adminPort;
  const connectionManager = typed('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', {
    stat_prefix: HTTP_STAT_PREFIX,
    ...connectionManagerSettings(config),
    access_log: [...accessLog(options.accessLogPath ?? source.envoy.accessLog, [...(config.rateLimits?.formulas.keys() ?? [])]), envoyAnswersLog(EXTPROC_CLUSTER)],
    local_reply_config: localReplyConfig(config),
    route_config: { name: 'aigw', virtual_hosts: [{ name: 'aigw', domains: ['*'], routes: renderRoutes(config) }] },
    http_filters: [
      ...aigwHttpFilters(config),
      // No x-envoy-* request headers to providers.
      { name: 'envoy.filters.http.router', typed_config: typed('envoy.extensions.filters.http.router.v3.Router', { suppress_envoy_headers: true }) },
    ],
  });
  return {
    node: { id: 'aigw', cluster: 'aigw' },
    admin: { address: socketAddress(source.envoy.adminAddress, adminPort) },
    static_resources: {
      listeners: [
        {
          name: 'aigw',
          address: socketAddress(options.listenerAddress ?? source.listener.address, options.listenerPort ?? source.listener.port),
          // ext_proc buffers whole bodies (requests, and non-streamed responses) up to this
          // size; aigw itself answers 413 above limits.maxRequestBodyBytes.
          per_connection_buffer_limit_bytes: bufferLimit,
          filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: connectionManager }] }],
        },
        ...(options.readyAddress ? [readyListener(options.readyAddress, adminPort > 0 ? { host: source.envoy.adminAddress, port: adminPort } : undefined)] : []),
      ],
      clusters: [...aigwClusters(config, options), ...(options.readyAddress && adminPort > 0 ? [adminCluster(source.envoy.adminAddress, adminPort)] : [])],
    },
    // Half-close ext_proc streams and wait for aigw's trailers instead of resetting them.
    layered_runtime: {
      layers: [{ name: 'static', static_layer: { 'envoy.reloadable_features.ext_proc_graceful_grpc_close': true } }],
    },
    overload_manager: {
      resource_monitors: [
        {
          name: 'envoy.resource_monitors.global_downstream_max_connections',
          typed_config: typed('envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig', {
            max_active_downstream_connections: 50000,
          }),
        },
      ],
    },
  };
}

/** The bootstrap as YAML, with a header saying where it came from. */
export function renderEnvoyYaml(config: RuntimeConfig, options: RenderOptions = {}, sourceName = 'aigw.yaml'): string {
  return `# Rendered by \`aigw render-envoy ${sourceName}\`. Do not edit: change the aigw config and render again.\n${stringify(renderEnvoyBootstrap(config, options), { lineWidth: 0, aliasDuplicateObjects: false })}`;
}
