import { isIP } from 'node:net';
import { IDENTITY_HEADERS } from '../auth/identity-headers';
import { DIRECT_HEADER, FILTER_METADATA_KEY, HEADER, LUA_NAMESPACE, METADATA_NAMESPACE, RESPONSE_HEADERS_NAMESPACE, UPSTREAM_HEADERS_NAMESPACE } from '../extproc/stream-processor';
import type { RuntimeBackend, RuntimeConfig, RuntimeModel } from './runtime';

/** Envoy config fragments: plain JSON-shaped data. */
export type Json = Record<string, unknown>;

/** The cluster Envoy reaches aigw's ext_proc server through. */
export const EXTPROC_CLUSTER = 'aigw_extproc';
/** Headers Envoy adds for its own use that no provider needs to see. */
const ENVOY_ONLY_HEADERS = ['x-forwarded-proto', 'x-forwarded-for', 'x-envoy-external-address', 'x-envoy-internal'];
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

/** Client request headers the router-level processor reads as attributes (it gets no headers message). */
export const REQUEST_HEADER_ATTRIBUTES = ['authorization', 'x-api-key', 'anthropic-version', 'traceparent', 'tracestate', 'x-request-id'] as const;

/** A CEL expression reading one request header. */
export function headerAttribute(name: string): string {
  return `request.headers['${name}']`;
}

function grpcService(role: 'router' | 'upstream'): Json {
  return { envoy_grpc: { cluster_name: EXTPROC_CLUSTER }, timeout: '5s', initial_metadata: [{ key: FILTER_METADATA_KEY, value: role }] };
}

/**
 * The router-level ext_proc filter: one message for the request (its buffered body, with the
 * path, method and the headers aigw reads as request attributes; the buffer filter after it
 * holds the headers back until aigw has answered) and the response body streamed, with the
 * status as a response attribute on the first chunk (and the response headers it reads as
 * forwarded metadata). `extraHeaders`: the request headers routing rules match on, and the
 * conditional client headers (client-headers.ts), which later attempts may need.
 */
export function routerExtprocFilter(extraHeaders: readonly string[] = []): Json {
  const requestHeaders = [...new Set([...REQUEST_HEADER_ATTRIBUTES, ...extraHeaders])];
  return typed('envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor', {
    grpc_service: grpcService('router'),
    failure_mode_allow: false,
    message_timeout: '5s',
    processing_mode: {
      request_header_mode: 'SKIP',
      request_body_mode: 'BUFFERED',
      response_header_mode: 'SKIP',
      response_body_mode: 'STREAMED',
      request_trailer_mode: 'SKIP',
      response_trailer_mode: 'SKIP',
    },
    request_attributes: ['request.path', 'request.method', ...requestHeaders.map(headerAttribute)],
    response_attributes: ['response.code'],
    // The response headers aigw reads come as metadata (the Lua filter copies them).
    metadata_options: { receiving_namespaces: { untyped: [METADATA_NAMESPACE, LUA_NAMESPACE, UPSTREAM_HEADERS_NAMESPACE] }, forwarding_namespaces: { untyped: [RESPONSE_HEADERS_NAMESPACE] } },
  });
}

/** A parsed CEL expression (cel.expr.ParsedExpr), built by hand: Envoy 1.36 takes no CEL source text in matchers. */
function celEquals(left: Json, right: Json): Json {
  let id = 0;
  const node = (body: Json): Json => ({ id: ++id, ...body });
  const build = (value: Json): Json => {
    if ('ident' in value) return node({ ident_expr: { name: value.ident } });
    if ('string' in value) return node({ const_expr: { string_value: value.string } });
    if ('select' in value) return node({ select_expr: { operand: build(value.from as Json), field: value.select } });
    return node({ call_expr: { function: '_[_]', args: [build(value.from as Json), build({ string: value.index })] } });
  };
  const args = [build(left), build(right)];
  return { expr: node({ call_expr: { function: '_==_', args } }) };
}

/**
 * The per-attempt (upstream) ext_proc filter, skipped for the attempt that reaches the backend
 * aigw already prepared the request for (its endpoint's backend equals `x-aigw-direct`):
 * that attempt crosses to aigw zero times. Every other attempt — a failover, or a load
 * balancer's other choice — is translated, pointed and credentialed here. The CEL match is
 * the safety: a request prepared for backend A can only go out unprocessed to backend A.
 */
export function upstreamExtprocFilter(): Json {
  const hostBackend = { index: 'backend', from: { index: METADATA_NAMESPACE, from: { select: 'filter_metadata', from: { select: 'upstream_host_metadata', from: { ident: 'xds' } } } } };
  const direct = { index: DIRECT_HEADER, from: { select: 'headers', from: { ident: 'request' } } };
  const extproc = typed('envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor', {
    grpc_service: grpcService('upstream'),
    failure_mode_allow: false,
    message_timeout: '5s',
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
    // In: which request this is. Out: the attempt's response-side facts (warnings, the
    // stream's content type), which the Lua filter reads when the response comes back.
    metadata_options: { forwarding_namespaces: { untyped: [METADATA_NAMESPACE] }, receiving_namespaces: { untyped: [LUA_NAMESPACE, UPSTREAM_HEADERS_NAMESPACE] } },
    // Lets the processor point :path and :authority at the attempt's backend.
    mutation_rules: { allow_all_routing: true },
  });
  return {
    name: 'envoy.filters.http.ext_proc',
    typed_config: typed('envoy.extensions.common.matching.v3.ExtensionWithMatcher', {
      xds_matcher: {
        matcher_list: {
          matchers: [
            {
              predicate: {
                single_predicate: {
                  input: { name: 'attributes', typed_config: typed('xds.type.matcher.v3.HttpAttributesCelMatchInput') },
                  custom_match: { name: 'cel', typed_config: typed('xds.type.matcher.v3.CelMatcher', { expr_match: { cel_expr_parsed: celEquals(hostBackend, direct) } }) },
                },
              },
              on_match: { action: { name: 'skip', typed_config: typed('envoy.extensions.filters.common.matcher.action.v3.SkipFilter') } },
            },
          ],
        },
      },
      extension_config: { name: 'envoy.filters.http.ext_proc', typed_config: extproc },
    }),
  };
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
            // Weighted round robin among the backends of one priority (default 1: an equal share).
            ...(entry.weight !== 1 ? { load_balancing_weight: entry.weight } : {}),
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
          upstreamExtprocFilter(),
          {
            // ext_proc drops content-length when it replaces a body; restore it from the
            // length the processor computed (absent for the prepared first attempt, whose
            // length Envoy's buffer filter set). Keep internal and forwarding headers off the wire.
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
                  ...[HEADER.contentLength, DIRECT_HEADER, ...Object.values(IDENTITY_HEADERS), ...ENVOY_ONLY_HEADERS].map((name) => ({ remove: name })),
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
export const EXTPROC_STREAMS_PER_CONNECTION = 500;

/** Envoy's side of mTLS to aigw's gRPC server: its client certificate, and the CA aigw's certificate chains to. */
export interface ExtprocTls {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
}

/**
 * The cluster for aigw's gRPC server (HTTP/2): a Unix socket (the default), or TCP, which
 * carries mTLS whenever `tls` is given (aigw refuses TCP without it unless told otherwise).
 */
export function extprocCluster(target: string, tls?: ExtprocTls): Json {
  const http2 = {
    'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': typed('envoy.extensions.upstreams.http.v3.HttpProtocolOptions', {
      common_http_protocol_options: { max_requests_per_connection: EXTPROC_STREAMS_PER_CONNECTION },
      explicit_http_config: { http2_protocol_options: {} },
    }),
  };
  const common = {
    name: EXTPROC_CLUSTER,
    connect_timeout: '1s',
    typed_extension_protocol_options: http2,
    // Each request holds a stream or two to aigw: Envoy's default cap (1,024) would queue a busy gateway.
    circuit_breakers: { thresholds: [{ max_connections: 100000, max_pending_requests: 100000, max_requests: 100000 }] },
  };
  if (target.startsWith('unix:')) {
    return {
      ...common,
      type: 'STATIC',
      load_assignment: {
        cluster_name: EXTPROC_CLUSTER,
        endpoints: [{ lb_endpoints: [{ endpoint: { address: { pipe: { path: target.slice('unix:'.length) } } } }] }],
      },
    };
  }
  const [, host, port] = /^\[?([^\]]*?)\]?:(\d+)$/.exec(target) ?? [];
  return {
    ...common,
    type: isIP(host) ? 'STATIC' : 'STRICT_DNS',
    load_assignment: { cluster_name: EXTPROC_CLUSTER, endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(host, Number(port)) } }] }] },
    ...(tls
      ? {
          transport_socket: {
            name: 'envoy.transport_sockets.tls',
            typed_config: typed('envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext', {
              ...(isIP(host) ? {} : { sni: host }),
              common_tls_context: {
                alpn_protocols: ['h2'],
                tls_certificates: [{ certificate_chain: { filename: tls.certFile }, private_key: { filename: tls.keyFile } }],
                validation_context: { trusted_ca: { filename: tls.caFile } },
              },
            }),
          },
        }
      : {}),
  };
}
