import { isIP } from 'node:net';
import { stringify } from 'yaml';
import { ERROR_SHAPED_KEY, FILTER_METADATA_KEY, HEADER, METADATA_NAMESPACE } from '../extproc/stream-processor';
import type { RuntimeBackend, RuntimeConfig, RuntimeModel } from './runtime';

/**
 * Renders Envoy's bootstrap from the same config aigw runs with, so the two never
 * disagree on models, backends or names. The result is plain data; `renderEnvoyYaml`
 * turns it into the file.
 */

const EXTPROC_CLUSTER = 'aigw_extproc';
/** Endpoint metadata key Envoy's transport_socket_matches reads. */
const TRANSPORT_MATCH_KEY = 'aigw_backend';

type Json = Record<string, unknown>;

/** Room for a whole non-streamed response (a large embeddings batch) in Envoy's buffer. */
const RESPONSE_BUFFER_BYTES = 32 * 1024 * 1024;

/** Where Envoy's listener and admin bind; tests override ports. */
export interface RenderOptions {
  listenerPort?: number;
  adminPort?: number;
  /** Overrides config.envoy.extprocTarget. */
  extprocTarget?: string;
  accessLogPath?: string;
}

function typed(type: string, config: Json = {}): Json {
  return { '@type': `type.googleapis.com/${type}`, ...config };
}

function socketAddress(host: string, port: number): Json {
  return { socket_address: { address: host, port_value: port } };
}

/** A cluster name Envoy's stats accept, unique per model. */
export function modelClusterName(model: RuntimeModel, index: number): string {
  return `model_${index}_${model.name.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

function extprocFilter(role: 'router' | 'upstream', config: RuntimeConfig): Json {
  const common = {
    grpc_service: {
      envoy_grpc: { cluster_name: EXTPROC_CLUSTER },
      timeout: '5s',
      initial_metadata: [{ key: FILTER_METADATA_KEY, value: role }],
    },
    failure_mode_allow: false,
    message_timeout: '5s',
  };
  if (role === 'router') {
    return typed('envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor', {
      ...common,
      // Streaming responses switch the response body to STREAMED per request.
      allow_mode_override: true,
      processing_mode: {
        request_header_mode: 'SEND',
        request_body_mode: 'BUFFERED',
        response_header_mode: 'SEND',
        response_body_mode: 'BUFFERED',
        request_trailer_mode: 'SKIP',
        response_trailer_mode: 'SKIP',
      },
      metadata_options: { receiving_namespaces: { untyped: [METADATA_NAMESPACE] } },
    });
  }
  void config;
  return typed('envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor', {
    ...common,
    // Per attempt, request headers only: the translated body replaces the original
    // (CONTINUE_AND_REPLACE), and the chosen endpoint's metadata names the backend.
    processing_mode: {
      request_header_mode: 'SEND',
      request_body_mode: 'NONE',
      response_header_mode: 'SKIP',
      response_body_mode: 'NONE',
      request_trailer_mode: 'SKIP',
      response_trailer_mode: 'SKIP',
    },
    request_attributes: ['xds.upstream_host_metadata'],
    metadata_options: { forwarding_namespaces: { untyped: [METADATA_NAMESPACE] } },
    // Lets the processor point :authority/host at the attempt's backend.
    mutation_rules: { allow_all_routing: true },
  });
}

function upstreamTls(backend: RuntimeBackend, config: RuntimeConfig): Json {
  const ipName = isIP(backend.serverName) !== 0;
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: typed('envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext', {
      ...(ipName ? {} : { sni: backend.serverName }),
      common_tls_context: {
        validation_context: {
          trusted_ca: { filename: backend.caFile ?? config.source.envoy.caBundle },
          match_typed_subject_alt_names: [
            { san_type: ipName ? 'IP_ADDRESS' : 'DNS', matcher: { exact: backend.serverName } },
          ],
        },
      },
    }),
  };
}

function modelCluster(model: RuntimeModel, name: string, config: RuntimeConfig): Json {
  const tlsBackends = model.backends.filter((entry) => entry.backend.tls);
  return {
    name,
    type: 'STRICT_DNS',
    dns_lookup_family: 'V4_PREFERRED',
    connect_timeout: '5s',
    lb_policy: 'ROUND_ROBIN',
    circuit_breakers: {
      thresholds: [{ priority: 'DEFAULT', max_connections: 4096, max_pending_requests: 4096, max_requests: 4096, max_retries: 1024 }],
    },
    outlier_detection: {
      consecutive_5xx: 5,
      consecutive_gateway_failure: 3,
      interval: '10s',
      base_ejection_time: '30s',
      max_ejection_percent: 100,
    },
    load_assignment: {
      cluster_name: name,
      endpoints: model.backends.map((entry) => ({
        priority: entry.priority,
        locality: { zone: entry.backend.name },
        lb_endpoints: [
          {
            // hostname is what auto_host_rewrite puts in Host: the baseUrl's host[:port].
            endpoint: { address: socketAddress(entry.backend.address, entry.backend.port), hostname: entry.backend.authority },
            metadata: {
              filter_metadata: {
                [METADATA_NAMESPACE]: { backend: entry.backend.name },
                'envoy.transport_socket_match': { [TRANSPORT_MATCH_KEY]: entry.backend.name },
              },
            },
          },
        ],
      })),
    },
    // Backends of one model are different hosts: each gets its own SNI and certificate check.
    ...(tlsBackends.length > 0
      ? {
          transport_socket_matches: tlsBackends.map((entry) => ({
            name: `tls_${entry.backend.name}`,
            match: { [TRANSPORT_MATCH_KEY]: entry.backend.name },
            transport_socket: upstreamTls(entry.backend, config),
          })),
        }
      : {}),
    typed_extension_protocol_options: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': typed('envoy.extensions.upstreams.http.v3.HttpProtocolOptions', {
        explicit_http_config: { http_protocol_options: {} },
        http_filters: [
          { name: 'envoy.filters.http.ext_proc', typed_config: extprocFilter('upstream', config) },
          {
            // ext_proc drops content-length when it replaces a body; restore it from the
            // length the processor computed, and keep internal headers off the wire.
            name: 'envoy.filters.http.header_mutation',
            typed_config: typed('envoy.extensions.filters.http.header_mutation.v3.HeaderMutation', {
              mutations: {
                request_mutations: [
                  {
                    append: {
                      header: { key: 'content-length', value: `%REQ(${HEADER.contentLength})%` },
                      append_action: 'OVERWRITE_IF_EXISTS_OR_ADD',
                    },
                  },
                  { remove: HEADER.contentLength },
                  { remove: HEADER.model },
                ],
              },
            }),
          },
          { name: 'envoy.filters.http.upstream_codec', typed_config: typed('envoy.extensions.filters.http.upstream_codec.v3.UpstreamCodec') },
        ],
      }),
    },
  };
}

/**
 * Envoy resets each ext_proc stream when its filter is destroyed before aigw's closing
 * trailers are read, and Node's HTTP/2 server drops a connection after ~1,000 resets
 * (its rapid-reset defence, not configurable in Node 20). Capping streams per connection
 * below that makes Envoy roll over to a fresh connection first, without failing requests.
 */
const EXTPROC_STREAMS_PER_CONNECTION = 500;

function extprocCluster(target: string): Json {
  const http2 = {
    'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': typed('envoy.extensions.upstreams.http.v3.HttpProtocolOptions', {
      common_http_protocol_options: { max_requests_per_connection: EXTPROC_STREAMS_PER_CONNECTION },
      explicit_http_config: { http2_protocol_options: {} },
    }),
  };
  if (target.startsWith('unix:')) {
    return {
      name: EXTPROC_CLUSTER,
      type: 'STATIC',
      connect_timeout: '1s',
      typed_extension_protocol_options: http2,
      load_assignment: {
        cluster_name: EXTPROC_CLUSTER,
        endpoints: [{ lb_endpoints: [{ endpoint: { address: { pipe: { path: target.slice('unix:'.length) } } } }] }],
      },
    };
  }
  const [, host, port] = /^\[?([^\]]*?)\]?:(\d+)$/.exec(target) ?? [];
  return {
    name: EXTPROC_CLUSTER,
    type: isIP(host) ? 'STATIC' : 'STRICT_DNS',
    connect_timeout: '1s',
    typed_extension_protocol_options: http2,
    circuit_breakers: { thresholds: [{ max_connections: 100000, max_pending_requests: 100000, max_requests: 100000 }] },
    load_assignment: { cluster_name: EXTPROC_CLUSTER, endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(host, Number(port)) } }] }] },
  };
}

/** The OpenAI-shaped error Envoy itself sends for a body over the limit (aigw sends the same). */
export function tooLargeBody(limit: number): Json {
  return {
    error: {
      message: `The request body is larger than the ${limit} bytes this gateway accepts.`,
      type: 'invalid_request_error',
      param: null,
      code: 'request_too_large',
    },
  };
}

/**
 * Envoy's own error replies (upstream unreachable, body too large, aigw unreachable)
 * never pass through ext_proc, so Envoy reshapes them into OpenAI's error JSON itself.
 * Replies aigw built (ImmediateResponse) are local replies too; aigw marks them with
 * dynamic metadata so they are left as they are.
 */
function localReplyConfig(config: RuntimeConfig): Json {
  const status = (op: 'EQ' | 'GE', value: number): Json => ({
    status_code_filter: { comparison: { op, value: { default_value: value, runtime_key: `aigw.local_reply.${op}_${value}` } } },
  });
  const notFromAigw: Json = {
    metadata_filter: {
      matcher: { filter: METADATA_NAMESPACE, path: [{ key: ERROR_SHAPED_KEY }], value: { bool_match: false } },
      match_if_key_not_found: true,
    },
  };
  const mapper = (filter: Json, body: Json): Json => ({
    filter: { and_filter: { filters: [filter, notFromAigw] } },
    body_format_override: { json_format: body, content_type: 'application/json' },
  });
  return {
    mappers: [
      mapper(status('EQ', 413), tooLargeBody(config.limits.maxRequestBodyBytes)),
      // The details name the cause when the body is empty (e.g. aigw unreachable: ext_proc_error_gRPC_error_14).
      mapper(status('GE', 500), { error: { message: '%LOCAL_REPLY_BODY% (%RESPONSE_CODE_DETAILS%)', type: 'server_error', param: null, code: 'upstream_error' } }),
      mapper(status('GE', 400), { error: { message: '%LOCAL_REPLY_BODY%', type: 'invalid_request_error', param: null, code: null } }),
    ],
  };
}

function accessLog(path: string): Json[] {
  const metadata = (key: string): string => `%DYNAMIC_METADATA(${METADATA_NAMESPACE}:${key})%`;
  const logFormat = {
    json_format: {
      time: '%START_TIME%',
      method: '%REQ(:METHOD)%',
      // The client's path: :path itself is rewritten per attempt for the provider.
      path: metadata('path'),
      status: '%RESPONSE_CODE%',
      response_flags: '%RESPONSE_FLAGS%',
      details: '%RESPONSE_CODE_DETAILS%',
      duration_ms: '%DURATION%',
      upstream_host: '%UPSTREAM_HOST%',
      upstream_cluster: '%UPSTREAM_CLUSTER%',
      attempts: '%UPSTREAM_REQUEST_ATTEMPT_COUNT%',
      request_id: metadata('request_id'),
      model: metadata('model'),
      caller: metadata('caller'),
      team: metadata('team'),
      project: metadata('project'),
      input_tokens: metadata('input_tokens'),
      output_tokens: metadata('output_tokens'),
      cached_input_tokens: metadata('cached_input_tokens'),
      cache_creation_input_tokens: metadata('cache_creation_input_tokens'),
      reasoning_tokens: metadata('reasoning_tokens'),
      total_tokens: metadata('total_tokens'),
    },
  };
  // Envoy cannot open /dev/stdout when stdout is a socket (a supervisor's or a test's
  // pipe), so standard output gets the stdout logger, which writes to the descriptor.
  if (path === '/dev/stdout') {
    return [{ name: 'envoy.access_loggers.stdout', typed_config: typed('envoy.extensions.access_loggers.stream.v3.StdoutAccessLog', { log_format: logFormat }) }];
  }
  return [{ name: 'envoy.access_loggers.file', typed_config: typed('envoy.extensions.access_loggers.file.v3.FileAccessLog', { path, log_format: logFormat }) }];
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
        retriable_status_codes: [429],
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
  routes.push({
    match: { prefix: '/' },
    direct_response: { status: 404, body: { inline_string: JSON.stringify(notFound) } },
    response_headers_to_add: [{ header: { key: 'content-type', value: 'application/json' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }],
  });

  const connectionManager = typed('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', {
    stat_prefix: 'aigw',
    codec_type: 'AUTO',
    use_remote_address: true,
    normalize_path: true,
    merge_slashes: true,
    stream_idle_timeout: '300s',
    access_log: accessLog(options.accessLogPath ?? source.envoy.accessLog),
    local_reply_config: localReplyConfig(config),
    route_config: { name: 'aigw', virtual_hosts: [{ name: 'aigw', domains: ['*'], routes }] },
    http_filters: [
      { name: 'envoy.filters.http.ext_proc', typed_config: extprocFilter('router', config) },
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
