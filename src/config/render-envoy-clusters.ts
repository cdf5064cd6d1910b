import { isIP } from 'node:net';
import { IDENTITY_HEADERS } from '../auth/identity-headers';
import { FILTER_METADATA_KEY, HEADER, METADATA_NAMESPACE } from '../extproc/stream-processor';
import type { RuntimeBackend, RuntimeConfig, RuntimeModel } from './runtime';

/** Envoy config fragments: plain JSON-shaped data. */
export type Json = Record<string, unknown>;

/** The cluster Envoy reaches aigw's ext_proc server through. */
export const EXTPROC_CLUSTER = 'aigw_extproc';
/** Endpoint metadata key Envoy's transport_socket_matches reads. */
const TRANSPORT_MATCH_KEY = 'aigw_backend';

/** A typed_config with its @type URL. */
export function typed(type: string, config: Json = {}): Json {
  return { '@type': `type.googleapis.com/${type}`, ...config };
}

/** An Envoy socket address. */
export function socketAddress(host: string, port: number): Json {
  return { socket_address: { address: host, port_value: port } };
}

/** A cluster name Envoy's stats accept, unique per model. */
export function modelClusterName(model: RuntimeModel, index: number): string {
  return `model_${index}_${model.name.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

/** The ext_proc filter config for the router-level or the per-attempt (upstream) processor. */
export function extprocFilter(role: 'router' | 'upstream'): Json {
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

/** One model's cluster: its backends as endpoints, one priority level each. */
export function modelCluster(model: RuntimeModel, name: string, config: RuntimeConfig): Json {
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
            endpoint: { address: socketAddress(entry.backend.address, entry.backend.connectPort), hostname: entry.backend.authority },
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
          { name: 'envoy.filters.http.ext_proc', typed_config: extprocFilter('upstream') },
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
                  // The caller's identity headers are for Envoy's routes and limits, not providers.
                  ...Object.values(IDENTITY_HEADERS).map((name) => ({ remove: name })),
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

/** The cluster for aigw's ext_proc server (HTTP/2, TCP or Unix socket). */
export function extprocCluster(target: string): Json {
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
