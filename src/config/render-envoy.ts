import { stringify } from 'yaml';
import { HEADER } from '../extproc/stream-processor';
import type { Json } from './render-envoy-clusters';
import { extprocCluster, extprocFilter, modelCluster, modelClusterName, socketAddress, typed } from './render-envoy-clusters';
import { mcpClusters, mcpRoutes } from './render-envoy-mcp';
import { rateLimitFilter } from './render-envoy-ratelimit';
import { accessLog, localReplyConfig } from './render-envoy-replies';
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
const RESPONSE_BUFFER_BYTES = 32 * 1024 * 1024;

/** The listener's HTTP stats are `http.<prefix>.*` (aigw up counts in-flight requests there when draining). */
export const HTTP_STAT_PREFIX = 'aigw';

/** Where Envoy's listener and admin bind; tests override ports. */
export interface RenderOptions {
  listenerPort?: number;
  adminPort?: number;
  /** Overrides config.envoy.extprocTarget. */
  extprocTarget?: string;
  accessLogPath?: string;
  /** Overrides config.server.mcp as the MCP cluster's endpoint. */
  mcpTarget?: string;
}

/** The Envoy bootstrap as data. */
export function renderEnvoyBootstrap(config: RuntimeConfig, options: RenderOptions = {}): Json {
  const source = config.source;
  const models = [...config.models.values()];
  const clusterNames = models.map(modelClusterName);
  const timeout = `${config.limits.requestTimeoutSeconds}s`;
  const notFound = {
    error: { message: 'Unknown request URL.', type: 'invalid_request_error', param: null, code: 'unknown_url' },
  };
  const routes: Json[] = models.map((model, index) => ({
    match: { prefix: '/', headers: [{ name: HEADER.model, string_match: { exact: model.name } }] },
    route: {
      cluster: clusterNames[index],
      timeout,
      auto_host_rewrite: true,
      retry_policy: {
        retry_on: '5xx,reset,connect-failure,retriable-status-codes',
        // 429: rate limited; 529: Anthropic's overloaded_error.
        retriable_status_codes: [429, 529],
        num_retries: model.retries,
        // Each retry moves on to the next priority: the model's next backend.
        retry_priority: {
          name: 'envoy.retry_priorities.previous_priorities',
          typed_config: typed('envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig', { update_frequency: 1 }),
        },
        retry_host_predicate: [
          { name: 'envoy.retry_host_predicates.previous_hosts', typed_config: typed('envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate') },
        ],
        host_selection_retry_max_attempts: 5,
      },
    },
  }));
  // The MCP routes match by path, before any model route (see render-envoy-mcp.ts).
  routes.unshift(...mcpRoutes(config));
  routes.push({
    match: { prefix: '/' },
    direct_response: { status: 404, body: { inline_string: JSON.stringify(notFound) } },
    response_headers_to_add: [{ header: { key: 'content-type', value: 'application/json' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }],
  });

  const connectionManager = typed('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', {
    stat_prefix: HTTP_STAT_PREFIX,
    codec_type: 'AUTO',
    use_remote_address: true,
    normalize_path: true,
    merge_slashes: true,
    stream_idle_timeout: '300s',
    access_log: accessLog(options.accessLogPath ?? source.envoy.accessLog, [...(config.rateLimits?.formulas.keys() ?? [])]),
    local_reply_config: localReplyConfig(config),
    route_config: { name: 'aigw', virtual_hosts: [{ name: 'aigw', domains: ['*'], routes }] },
    http_filters: [
      { name: 'envoy.filters.http.ext_proc', typed_config: extprocFilter('router') },
      ...[rateLimitFilter(config)].filter((filter) => filter !== undefined),
      { name: 'envoy.filters.http.router', typed_config: typed('envoy.extensions.filters.http.router.v3.Router') },
    ],
  });

  return {
    node: { id: 'aigw', cluster: 'aigw' },
    admin: { address: socketAddress(source.envoy.adminAddress, options.adminPort ?? source.envoy.adminPort) },
    static_resources: {
      listeners: [
        {
          name: 'aigw',
          address: socketAddress(source.listener.address, options.listenerPort ?? source.listener.port),
          // ext_proc buffers whole bodies (requests, and non-streamed responses) up to this
          // size; aigw itself answers 413 above limits.maxRequestBodyBytes.
          per_connection_buffer_limit_bytes: Math.max(config.limits.maxRequestBodyBytes, RESPONSE_BUFFER_BYTES),
          filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: connectionManager }] }],
        },
      ],
      clusters: [
        extprocCluster(options.extprocTarget ?? source.envoy.extprocTarget ?? source.server.grpc[0]),
        ...models.map((model, index) => modelCluster(model, clusterNames[index], config)),
        ...mcpClusters(config, options.mcpTarget),
      ],
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
