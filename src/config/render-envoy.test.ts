import { parse } from 'yaml';
import { validateConfig } from './load';
import { modelClusterName, renderEnvoyBootstrap, renderEnvoyYaml, tooLargeBody } from './render-envoy';
import type { RenderOptions } from './render-envoy';
import { compileConfig } from './runtime';
import type { RuntimeConfig } from './runtime';

const EXT_PROC = 'type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor';

/** Walks into rendered data; throws with the path when a step is missing. */
function at(value: unknown, ...path: Array<string | number>): unknown {
  let current = value;
  const walked: Array<string | number> = [];
  for (const step of path) {
    walked.push(step);
    if (typeof current !== 'object' || current === null || !(step in current)) {
      throw new Error(`nothing at ${walked.join('.')}`);
    }
    current = (current as Record<string | number, unknown>)[step];
  }
  return current;
}

function list(value: unknown, ...path: Array<string | number>): unknown[] {
  const found = at(value, ...path);
  if (!Array.isArray(found)) throw new Error(`not a list at ${path.join('.')}`);
  return found;
}

function compile(overrides: Record<string, unknown> = {}): RuntimeConfig {
  return compileConfig(
    validateConfig({
      backends: [
        { name: 'openai', kind: 'openai', baseUrl: 'https://api.openai.com/v1' },
        {
          name: 'azure',
          kind: 'openai',
          baseUrl: 'https://example.openai.azure.com:8443/openai/v1',
          address: '10.0.0.7',
          tls: { caFile: '/etc/aigw/azure-ca.pem', serverName: 'azure.internal' },
        },
        { name: 'vllm', kind: 'openai', baseUrl: 'http://vllm.internal:8000/v1' },
        { name: 'by-ip', kind: 'openai', baseUrl: 'https://10.1.2.3:8443' },
      ],
      models: [
        {
          name: 'gpt-4o-mini',
          backends: [
            { backend: 'vllm', priority: 10 },
            { backend: 'openai', priority: 0 },
            { backend: 'azure', priority: 5 },
          ],
        },
        { name: 'local/qwen:7b', retries: 3, backends: [{ backend: 'vllm' }] },
        { name: 'ip-model', backends: [{ backend: 'by-ip' }] },
      ],
      ...overrides,
    }),
    {},
  );
}

const CONFIG = compile();
const BOOTSTRAP = renderEnvoyBootstrap(CONFIG);
const LISTENER = at(BOOTSTRAP, 'static_resources', 'listeners', 0);
const CONNECTION_MANAGER = at(LISTENER, 'filter_chains', 0, 'filters', 0, 'typed_config');
const CLUSTERS = list(BOOTSTRAP, 'static_resources', 'clusters');

function cluster(name: string, bootstrap: unknown = BOOTSTRAP): unknown {
  const found = list(bootstrap, 'static_resources', 'clusters').find((candidate) => at(candidate, 'name') === name);
  if (!found) throw new Error(`no cluster ${name}`);
  return found;
}

function extprocCluster(options: RenderOptions): unknown {
  return cluster('aigw_extproc', renderEnvoyBootstrap(CONFIG, options));
}

describe('listener', () => {
  test('address, ports and buffer limit', () => {
    expect(at(LISTENER, 'name')).toBe('aigw');
    expect(at(LISTENER, 'address')).toEqual({ socket_address: { address: '127.0.0.1', port_value: 10000 } });
    expect(at(BOOTSTRAP, 'admin')).toEqual({ address: { socket_address: { address: '127.0.0.1', port_value: 9901 } } });
    // Room for whole non-streamed responses: at least 32 MiB, more when the request limit is larger.
    expect(at(LISTENER, 'per_connection_buffer_limit_bytes')).toBe(32 * 1024 * 1024);
    const large = renderEnvoyBootstrap(compile({ limits: { maxRequestBodyBytes: 64 * 1024 * 1024 } }));
    expect(at(large, 'static_resources', 'listeners', 0, 'per_connection_buffer_limit_bytes')).toBe(64 * 1024 * 1024);
  });

  test('options override the listener address and port, admin port and access log path', () => {
    const bootstrap = renderEnvoyBootstrap(CONFIG, { listenerAddress: '0.0.0.0', listenerPort: 18000, adminPort: 19901, accessLogPath: '/tmp/access.log' });
    expect(at(bootstrap, 'static_resources', 'listeners', 0, 'address')).toEqual({
      socket_address: { address: '0.0.0.0', port_value: 18000 },
    });
    expect(at(bootstrap, 'admin', 'address', 'socket_address', 'port_value')).toBe(19901);
    const manager = at(bootstrap, 'static_resources', 'listeners', 0, 'filter_chains', 0, 'filters', 0, 'typed_config');
    expect(list(manager, 'access_log').map((logger) => at(logger, 'name'))).toEqual(['envoy.access_loggers.file', 'envoy.access_loggers.http_grpc']);
    expect(at(manager, 'access_log', 0, 'typed_config', '@type')).toBe(
      'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog',
    );
    expect(at(manager, 'access_log', 0, 'typed_config', 'path')).toBe('/tmp/access.log');
  });

  test('the default /dev/stdout access log uses the stdout logger, with the same JSON format', () => {
    const loggers = list(CONNECTION_MANAGER, 'access_log');
    expect(loggers.map((logger) => at(logger, 'name'))).toEqual(['envoy.access_loggers.stdout', 'envoy.access_loggers.http_grpc']);
    expect(Object.keys(at(loggers[0], 'typed_config') as Record<string, unknown>)).toEqual(['@type', 'log_format']);
    expect(at(loggers[0], 'typed_config', '@type')).toBe('type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog');
    const fileLogger = at(renderEnvoyBootstrap(CONFIG, { accessLogPath: '/tmp/access.log' }), 'static_resources', 'listeners', 0, 'filter_chains', 0, 'filters', 0, 'typed_config', 'access_log', 0);
    expect(at(loggers[0], 'typed_config', 'log_format')).toEqual(at(fileLogger, 'typed_config', 'log_format'));
    expect(at(loggers[0], 'typed_config', 'log_format', 'json_format', 'total_tokens')).toBe('%DYNAMIC_METADATA(io.aigw:total_tokens)%');
    expect(at(loggers[0], 'typed_config', 'log_format', 'json_format', 'path')).toBe('%DYNAMIC_METADATA(io.aigw:path)%');
  });

  test('the access-log service gets only the requests aigw did not record (and no MCP ones)', () => {
    const als = list(CONNECTION_MANAGER, 'access_log')[1];
    expect(at(als, 'typed_config', 'common_config')).toEqual({ log_name: 'aigw', grpc_service: { envoy_grpc: { cluster_name: 'aigw_extproc' } }, transport_api_version: 'V3', buffer_flush_interval: '0.1s' });
    expect(at(als, 'filter', 'and_filter', 'filters', 0)).toEqual({
      metadata_filter: { matcher: { filter: 'io.aigw', path: [{ key: 'recorded' }], value: { bool_match: false } }, match_if_key_not_found: true },
    });
  });

  test('http_filters: the response Lua script (it sees responses last), ext_proc, buffer, the request Lua script, router', () => {
    const filters = list(CONNECTION_MANAGER, 'http_filters');
    expect(filters.map((filter) => at(filter, 'name'))).toEqual(['aigw.lua.response', 'envoy.filters.http.ext_proc', 'envoy.filters.http.buffer', 'aigw.lua.request', 'envoy.filters.http.router']);
    // The buffer holds the headers until aigw has answered on the body, up to the listener's buffer.
    expect(at(filters[2], 'typed_config')).toEqual({ '@type': 'type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer', max_request_bytes: 32 * 1024 * 1024 });
    expect(at(filters[4], 'typed_config')).toEqual({ '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router', suppress_envoy_headers: true });
    expect(String(at(filters[3], 'typed_config', 'default_source_code', 'inline_string'))).toContain('function envoy_on_request(handle)');
    expect(String(at(filters[0], 'typed_config', 'default_source_code', 'inline_string'))).toContain('function envoy_on_response(handle)');
  });

  test('the router-level ext_proc: one message for the request (body + attributes), the response streamed with its status as an attribute', () => {
    expect(at(list(CONNECTION_MANAGER, 'http_filters')[1], 'typed_config')).toEqual({
      '@type': EXT_PROC,
      grpc_service: {
        envoy_grpc: { cluster_name: 'aigw_extproc' },
        timeout: '5s',
        initial_metadata: [{ key: 'x-aigw-filter', value: 'router' }],
      },
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
      request_attributes: [
        'request.path',
        'request.method',
        "request.headers['authorization']",
        "request.headers['x-api-key']",
        "request.headers['anthropic-version']",
        "request.headers['traceparent']",
        "request.headers['tracestate']",
        "request.headers['x-request-id']",
        "request.headers['anthropic-beta']",
        "request.headers['openai-beta']",
      ],
      response_attributes: ['response.code'],
      metadata_options: { receiving_namespaces: { untyped: ['io.aigw', 'io.aigw.lua', 'io.aigw.upstream'] }, forwarding_namespaces: { untyped: ['io.aigw.response'] } },
    });
  });

  test('timeouts for slow clients: headers, the whole request, and idle streams', () => {
    expect(at(CONNECTION_MANAGER, 'request_headers_timeout')).toBe('10s');
    expect(at(CONNECTION_MANAGER, 'request_timeout')).toBe('60s');
    expect(at(CONNECTION_MANAGER, 'stream_idle_timeout')).toBe('300s');
    const tuned = renderEnvoyBootstrap(compile({ limits: { requestHeadersTimeoutSeconds: 3, requestReceiveTimeoutSeconds: 0, idleTimeoutSeconds: 45 } }));
    const manager = at(tuned, 'static_resources', 'listeners', 0, 'filter_chains', 0, 'filters', 0, 'typed_config');
    expect([at(manager, 'request_headers_timeout'), at(manager, 'request_timeout'), at(manager, 'stream_idle_timeout')]).toEqual(['3s', '0s', '45s']);
  });
});

describe('routes', () => {
  const routes = list(CONNECTION_MANAGER, 'route_config', 'virtual_hosts', 0, 'routes');
  const AIGW_ON = { 'envoy.filters.http.ext_proc': { '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute', overrides: {} } };

  test('one route per model on the model aigw names in metadata, then the refusals Envoy answers itself', () => {
    expect(routes.slice(0, 3).map((route) => at(route, 'match'))).toEqual(
      ['gpt-4o-mini', 'local/qwen:7b', 'ip-model'].map((model) => ({
        prefix: '/',
        dynamic_metadata: [{ filter: 'io.aigw', path: [{ key: 'model' }], value: { string_match: { exact: model } } }],
      })),
    );
    expect(routes.slice(0, 3).map((route) => at(route, 'route', 'cluster'))).toEqual(['model_0_gpt-4o-mini', 'model_1_local_qwen_7b', 'model_2_ip-model']);
    const replies = routes.slice(3).map((route) => [at(route, 'match'), (route as { direct_response?: { status: number } }).direct_response?.status]);
    expect(replies).toEqual([
      [{ safe_regex: { regex: '^(/anthropic)?/v1/messages/*$' }, headers: [{ name: 'content-length', range_match: { start: 8388609, end: Number.MAX_SAFE_INTEGER } }] }, 413],
      [{ prefix: '/', headers: [{ name: 'content-length', range_match: { start: 8388609, end: Number.MAX_SAFE_INTEGER } }] }, 413],
      [{ safe_regex: { regex: '^(/anthropic)?/v1/messages/*$' }, headers: [{ name: 'authorization', present_match: false }, { name: 'x-api-key', present_match: false }] }, 401],
      [{ prefix: '/', headers: [{ name: 'authorization', present_match: false }, { name: 'x-api-key', present_match: false }] }, 401],
      [{ safe_regex: { regex: '^/v1/models/*$' } }, 404],
      [{ safe_regex: { regex: '^(/anthropic)?/v1/messages/*$' } }, 400],
      [{ safe_regex: { regex: '^(/v1/(chat/completions|completions|embeddings|responses)|(/anthropic)?/v1/messages)/*$' } }, 400],
      [{ safe_regex: { regex: '^(/anthropic)?/v1/messages/*$' } }, 404],
      [{ prefix: '/' }, 404],
    ]);
    // Envoy's own refusals keep aigw's filters away (nothing to read), in the client's error shape.
    expect(routes[routes.length - 1]).toEqual({
      match: { prefix: '/' },
      direct_response: {
        status: 404,
        body: { inline_string: '{"error":{"message":"Unknown request URL.","type":"invalid_request_error","param":null,"code":"unknown_url"}}' },
      },
      response_headers_to_add: [{ header: { key: 'content-type', value: 'application/json' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }],
      typed_per_filter_config: {
        'envoy.filters.http.ext_proc': { '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute', disabled: true },
        'envoy.filters.http.buffer': { '@type': 'type.googleapis.com/envoy.extensions.filters.http.buffer.v3.BufferPerRoute', disabled: true },
      },
    });
    // GET /v1/models has no body: its route sends aigw the request headers instead.
    expect(at(routes[7], 'typed_per_filter_config', 'envoy.filters.http.ext_proc', 'overrides', 'processing_mode', 'request_header_mode')).toBe('SEND');
    // The body-less model call route is also where every model call starts: aigw's filters stay.
    expect([routes[8], routes[9]].map((route) => at(route, 'typed_per_filter_config'))).toEqual([AIGW_ON, AIGW_ON]);
  });

  test('ext_proc is off unless the route turns it on: model routes and the route model calls start on', () => {
    // A request Envoy's codec refused has no route: its local reply must not go to aigw.
    expect(at(list(CONNECTION_MANAGER, 'http_filters')[1], 'disabled')).toBe(true);
    expect(routes.slice(0, 3).map((route) => at(route, 'typed_per_filter_config'))).toEqual([AIGW_ON, AIGW_ON, AIGW_ON]);
  });

  test('idle timeout per model route: its own, else limits.idleTimeoutSeconds', () => {
    expect(at(routes[0], 'route', 'idle_timeout')).toBe('300s');
    const config = compile({ models: [{ name: 'slow', idleTimeoutSeconds: 900, backends: [{ backend: 'openai' }] }, { name: 'fast', backends: [{ backend: 'openai' }] }], limits: { idleTimeoutSeconds: 60 } });
    const manager = at(renderEnvoyBootstrap(config), 'static_resources', 'listeners', 0, 'filter_chains', 0, 'filters', 0, 'typed_config');
    expect([0, 1].map((index) => at(manager, 'route_config', 'virtual_hosts', 0, 'routes', index, 'route', 'idle_timeout'))).toEqual(['900s', '60s']);
  });

  test('timeout and host rewrite', () => {
    expect(at(routes[0], 'route', 'timeout')).toBe('600s');
    expect(at(routes[0], 'route', 'auto_host_rewrite')).toBe(true);
    const noTimeout = renderEnvoyBootstrap(compile({ limits: { requestTimeoutSeconds: 0 } }));
    const manager = at(noTimeout, 'static_resources', 'listeners', 0, 'filter_chains', 0, 'filters', 0, 'typed_config');
    expect(at(manager, 'route_config', 'virtual_hosts', 0, 'routes', 0, 'route', 'timeout')).toBe('0s');
  });

  test('retry policy: 5xx, resets, connect failures and 429, moving on to the previous priorities', () => {
    const policy = (retries: number): Record<string, unknown> => ({
      retry_on: '5xx,reset,connect-failure,retriable-status-codes',
      retriable_status_codes: [429, 529],
      num_retries: retries,
      retry_priority: {
        name: 'envoy.retry_priorities.previous_priorities',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig',
          update_frequency: 1,
        },
      },
      retry_host_predicate: [
        {
          name: 'envoy.retry_host_predicates.previous_hosts',
          typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' },
        },
      ],
      host_selection_retry_max_attempts: 5,
    });
    expect(at(routes[0], 'route', 'retry_policy')).toEqual(policy(2));
    expect(at(routes[1], 'route', 'retry_policy')).toEqual(policy(3));
    expect(at(routes[2], 'route', 'retry_policy')).toEqual(policy(0));
  });
});

describe('model clusters', () => {
  test('cluster names: the extproc cluster, then one per model', () => {
    expect(CLUSTERS.map((candidate) => at(candidate, 'name'))).toEqual([
      'aigw_extproc',
      'model_0_gpt-4o-mini',
      'model_1_local_qwen_7b',
      'model_2_ip-model',
    ]);
    const model = CONFIG.models.get('local/qwen:7b');
    expect(model && modelClusterName(model, 1)).toBe('model_1_local_qwen_7b');
  });

  test('endpoints in priority order, with backend metadata and Host per backend', () => {
    const endpoint = (priority: number, name: string, address: string, port: number, hostname: string): Record<string, unknown> => ({
      priority,
      locality: { zone: name },
      lb_endpoints: [
        {
          endpoint: { address: { socket_address: { address, port_value: port } }, hostname },
          metadata: {
            filter_metadata: {
              'io.aigw': { backend: name },
              'envoy.transport_socket_match': { aigw_backend: name },
            },
          },
        },
      ],
    });
    const main = cluster('model_0_gpt-4o-mini');
    expect(at(main, 'type')).toBe('STRICT_DNS');
    expect(at(main, 'load_assignment')).toEqual({
      cluster_name: 'model_0_gpt-4o-mini',
      endpoints: [
        endpoint(0, 'openai', 'api.openai.com', 443, 'api.openai.com'),
        endpoint(1, 'azure', '10.0.0.7', 8443, 'example.openai.azure.com:8443'),
        endpoint(2, 'vllm', 'vllm.internal', 8000, 'vllm.internal:8000'),
      ],
    });
  });

  test('a weight becomes the endpoint load_balancing_weight; weight 1 (the default) adds nothing', () => {
    const weighted = compile({ models: [{ name: 'split', backends: [{ backend: 'openai', weight: 3 }, { backend: 'vllm', priority: 0 }, { backend: 'azure', priority: 1, weight: 1 }] }] });
    const bootstrap = renderEnvoyBootstrap(weighted);
    const found = list(bootstrap, 'static_resources', 'clusters').find((entry) => at(entry, 'name') === 'model_0_split');
    const endpoints = list(found, 'load_assignment', 'endpoints').map((level) => at(level, 'lb_endpoints', 0)) as Array<Record<string, unknown>>;
    expect(endpoints.map((endpoint) => endpoint.load_balancing_weight)).toEqual([3, undefined, undefined]);
    expect(weighted.models.get('split')?.backends.map((entry) => [entry.backend.name, entry.priority, entry.weight])).toEqual([
      ['openai', 0, 3],
      ['vllm', 0, 1],
      ['azure', 1, 1],
    ]);
  });

  test('transport_socket_matches only for https backends, with SNI, CA file and SAN', () => {
    expect(at(cluster('model_0_gpt-4o-mini'), 'transport_socket_matches')).toEqual([
      {
        name: 'tls_openai',
        match: { aigw_backend: 'openai' },
        transport_socket: {
          name: 'envoy.transport_sockets.tls',
          typed_config: {
            '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
            sni: 'api.openai.com',
            common_tls_context: {
              validation_context: {
                trusted_ca: { filename: '/etc/ssl/certs/ca-certificates.crt' },
                match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: 'api.openai.com' } }],
              },
            },
          },
        },
      },
      {
        name: 'tls_azure',
        match: { aigw_backend: 'azure' },
        transport_socket: {
          name: 'envoy.transport_sockets.tls',
          typed_config: {
            '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
            sni: 'azure.internal',
            common_tls_context: {
              validation_context: {
                trusted_ca: { filename: '/etc/aigw/azure-ca.pem' },
                match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: 'azure.internal' } }],
              },
            },
          },
        },
      },
    ]);
  });

  test('a model with only http backends has no transport_socket_matches', () => {
    expect(Object.keys(cluster('model_1_local_qwen_7b') as Record<string, unknown>)).not.toContain('transport_socket_matches');
  });

  test('an IP server name: no SNI, an IP_ADDRESS SAN; envoy.caBundle is the default CA', () => {
    const bootstrap = renderEnvoyBootstrap(compile({ envoy: { caBundle: '/etc/pki/ca.pem' } }));
    expect(at(cluster('model_2_ip-model', bootstrap), 'transport_socket_matches', 0, 'transport_socket', 'typed_config')).toEqual({
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
      common_tls_context: {
        validation_context: {
          trusted_ca: { filename: '/etc/pki/ca.pem' },
          match_typed_subject_alt_names: [{ san_type: 'IP_ADDRESS', matcher: { exact: '10.1.2.3' } }],
        },
      },
    });
  });

  test('upstream http_filters: ext_proc (skipped for the prepared first attempt), header_mutation, upstream_codec', () => {
    const options = at(cluster('model_0_gpt-4o-mini'), 'typed_extension_protocol_options', 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions');
    expect(at(options, 'explicit_http_config')).toEqual({ http_protocol_options: {} });
    const filters = list(options, 'http_filters');
    expect(filters.map((filter) => at(filter, 'name'))).toEqual(['envoy.filters.http.ext_proc', 'envoy.filters.http.header_mutation', 'envoy.filters.http.upstream_codec']);
    expect(at(filters[0], 'typed_config', '@type')).toBe('type.googleapis.com/envoy.extensions.common.matching.v3.ExtensionWithMatcher');
    expect(at(filters[0], 'typed_config', 'extension_config', 'typed_config')).toEqual({
      '@type': EXT_PROC,
      grpc_service: {
        envoy_grpc: { cluster_name: 'aigw_extproc' },
        timeout: '5s',
        initial_metadata: [{ key: 'x-aigw-filter', value: 'upstream' }],
      },
      failure_mode_allow: false,
      message_timeout: '5s',
      processing_mode: {
        request_header_mode: 'SEND',
        request_body_mode: 'NONE',
        response_header_mode: 'SKIP',
        response_body_mode: 'NONE',
        request_trailer_mode: 'SKIP',
        response_trailer_mode: 'SKIP',
      },
      request_attributes: ['xds.upstream_host_metadata'],
      metadata_options: { forwarding_namespaces: { untyped: ['io.aigw'] }, receiving_namespaces: { untyped: ['io.aigw.lua', 'io.aigw.upstream'] } },
      mutation_rules: { allow_all_routing: true },
    });
    // Skipped exactly when the endpoint's backend is the one x-aigw-direct names.
    const matcher = at(filters[0], 'typed_config', 'xds_matcher', 'matcher_list', 'matchers', 0);
    expect(at(matcher, 'on_match', 'action', 'typed_config', '@type')).toBe('type.googleapis.com/envoy.extensions.filters.common.matcher.action.v3.SkipFilter');
    const expression = at(matcher, 'predicate', 'single_predicate', 'custom_match', 'typed_config', 'expr_match', 'cel_expr_parsed', 'expr');
    expect(JSON.stringify(expression)).toContain('"name":"xds"');
    expect(JSON.stringify(expression)).toContain('"string_value":"x-aigw-direct"');
    expect(at(filters[1], 'typed_config')).toEqual({
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutation',
      mutations: {
        request_mutations: [
          { append: { header: { key: 'content-length', value: '%REQ(x-aigw-content-length)%' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' } },
          ...[
            'x-aigw-content-length',
            'x-aigw-direct',
            'x-aigw-team',
            'x-aigw-project',
            'x-aigw-caller',
            'x-forwarded-proto',
            'x-forwarded-for',
            'x-envoy-external-address',
            'x-envoy-internal',
          ].map((name) => ({ remove: name })),
        ],
      },
    });
    expect(at(filters[2], 'typed_config')).toEqual({ '@type': 'type.googleapis.com/envoy.extensions.filters.http.upstream_codec.v3.UpstreamCodec' });
  });
});

describe('extproc cluster', () => {
  const http2 = {
    'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
      '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
      common_http_protocol_options: { max_requests_per_connection: 500 },
      explicit_http_config: { http2_protocol_options: {} },
    },
  };

  const breakers = { thresholds: [{ max_connections: 100000, max_pending_requests: 100000, max_requests: 100000 }] };

  test('defaults to the first server.grpc address, an owner-only Unix socket', () => {
    expect(cluster('aigw_extproc')).toEqual({
      name: 'aigw_extproc',
      type: 'STATIC',
      connect_timeout: '1s',
      typed_extension_protocol_options: http2,
      circuit_breakers: breakers,
      load_assignment: {
        cluster_name: 'aigw_extproc',
        endpoints: [{ lb_endpoints: [{ endpoint: { address: { pipe: { path: '/tmp/aigw/extproc.sock' } } } }] }],
      },
    });
  });

  test('a TCP target is a socket address, with the Envoy client certificate (mTLS) when envoy.extprocTls is set', () => {
    const plain = extprocCluster({ extprocTarget: '127.0.0.1:50051' });
    expect(at(plain, 'type')).toBe('STATIC');
    expect(at(plain, 'load_assignment', 'endpoints', 0, 'lb_endpoints', 0, 'endpoint', 'address')).toEqual({ socket_address: { address: '127.0.0.1', port_value: 50051 } });
    const tls = { certFile: '/etc/envoy/envoy.pem', keyFile: '/etc/envoy/envoy-key.pem', caFile: '/etc/envoy/aigw-ca.pem' };
    expect(at(extprocCluster({ extprocTarget: 'aigw.internal:50051', extprocTls: tls }), 'transport_socket')).toEqual({
      name: 'envoy.transport_sockets.tls',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
        sni: 'aigw.internal',
        common_tls_context: {
          alpn_protocols: ['h2'],
          tls_certificates: [{ certificate_chain: { filename: '/etc/envoy/envoy.pem' }, private_key: { filename: '/etc/envoy/envoy-key.pem' } }],
          validation_context: { trusted_ca: { filename: '/etc/envoy/aigw-ca.pem' } },
        },
      },
    });
  });

  test('an IPv6 target is STATIC without brackets; a name is STRICT_DNS', () => {
    const ipv6 = extprocCluster({ extprocTarget: '[::1]:50051' });
    expect(at(ipv6, 'type')).toBe('STATIC');
    expect(at(ipv6, 'load_assignment', 'endpoints', 0, 'lb_endpoints', 0, 'endpoint', 'address')).toEqual({
      socket_address: { address: '::1', port_value: 50051 },
    });
    const named = extprocCluster({ extprocTarget: 'aigw:50051' });
    expect(at(named, 'type')).toBe('STRICT_DNS');
    expect(at(named, 'load_assignment', 'endpoints', 0, 'lb_endpoints', 0, 'endpoint', 'address')).toEqual({
      socket_address: { address: 'aigw', port_value: 50051 },
    });
  });

  test('envoy.extprocTarget in the config wins over server.grpc; the option wins over both', () => {
    const config = compile({ envoy: { extprocTarget: 'unix:/tmp/aigw.sock' }, server: { grpc: ['unix:/run/aigw/extproc.sock'] } });
    expect(at(cluster('aigw_extproc', renderEnvoyBootstrap(config)), 'load_assignment', 'endpoints', 0, 'lb_endpoints', 0, 'endpoint', 'address')).toEqual({
      pipe: { path: '/tmp/aigw.sock' },
    });
    const overridden = renderEnvoyBootstrap(config, { extprocTarget: 'extproc.internal:9000' });
    expect(at(cluster('aigw_extproc', overridden), 'type')).toBe('STRICT_DNS');
  });
});

describe('local replies', () => {
  test('tooLargeBody', () => {
    expect(tooLargeBody(1024)).toEqual({
      error: {
        message: 'The request body is larger than the 1024 bytes this gateway accepts.',
        type: 'invalid_request_error',
        param: null,
        code: 'request_too_large',
      },
    });
  });

  test('the 413 mapper sends tooLargeBody(limit) unless aigw already shaped the reply', () => {
    const config = compile({ limits: { maxRequestBodyBytes: 4096 } });
    const manager = at(renderEnvoyBootstrap(config), 'static_resources', 'listeners', 0, 'filter_chains', 0, 'filters', 0, 'typed_config');
    const mappers = list(manager, 'local_reply_config', 'mappers');
    // Anthropic-shaped then OpenAI-shaped, for aigw unreachable, 413, >= 500 and >= 400.
    expect(mappers).toHaveLength(8);
    const notFromAigw = {
      and_filter: {
        filters: [
          {
            metadata_filter: {
              matcher: { filter: 'io.aigw', path: [{ key: 'error_shaped' }], value: { bool_match: false } },
              match_if_key_not_found: true,
            },
          },
          {
            extension_filter: {
              name: 'envoy.access_loggers.extension_filters.cel',
              typed_config: {
                '@type': 'type.googleapis.com/envoy.extensions.access_loggers.filters.cel.v3.ExpressionFilter',
                expression: "!response.code_details.startsWith('aigw_') && response.code_details != 'direct_response'",
              },
            },
          },
        ],
      },
    };
    expect(mappers[3]).toEqual({
      filter: {
        and_filter: {
          filters: [{ status_code_filter: { comparison: { op: 'EQ', value: { default_value: 413, runtime_key: 'aigw.local_reply.EQ_413' } } } }, notFromAigw],
        },
      },
      body_format_override: { json_format: tooLargeBody(4096), content_type: 'application/json' },
    });
    expect(at(mappers[2], 'body_format_override', 'json_format')).toEqual({
      type: 'error',
      error: { type: 'request_too_large', message: 'The request body is larger than the 4096 bytes this gateway accepts.' },
    });
    const anthropicClient = list(mappers[2], 'filter', 'and_filter', 'filters')[1];
    expect(anthropicClient).toEqual({
      or_filter: {
        filters: [
          { metadata_filter: { matcher: { filter: 'io.aigw', path: [{ key: 'error_shape' }], value: { string_match: { exact: 'anthropic' } } }, match_if_key_not_found: false } },
          {
            and_filter: {
              filters: [
                { metadata_filter: { matcher: { filter: 'io.aigw', path: [{ key: 'error_shape' }], value: { string_match: { exact: 'anthropic' } } }, match_if_key_not_found: true } },
                {
                  or_filter: {
                    filters: [
                      { header_filter: { header: { name: ':path', string_match: { prefix: '/v1/messages' } } } },
                      { header_filter: { header: { name: ':path', string_match: { prefix: '/anthropic/' } } } },
                    ],
                  },
                },
              ],
            },
          },
        ],
      },
    });
    // First the plain 503 for aigw unreachable (ext_proc's own errors), whatever Envoy's status.
    expect(mappers.slice(0, 2).map((mapper) => [at(mapper, 'status_code'), at(mapper, 'filter', 'and_filter', 'filters', 0, 'extension_filter', 'typed_config', 'expression')])).toEqual([
      [503, "response.code_details.startsWith('ext_proc_error')"],
      [503, "response.code_details.startsWith('ext_proc_error')"],
    ]);
    expect(mappers.slice(2).map((mapper) => list(mapper, 'filter', 'and_filter', 'filters')[0])).toEqual(
      [['EQ', 413], ['EQ', 413], ['GE', 500], ['GE', 500], ['GE', 400], ['GE', 400]].map(([op, value]) => ({
        status_code_filter: { comparison: { op, value: { default_value: value, runtime_key: `aigw.local_reply.${op}_${value}` } } },
      })),
    );
  });
});

describe('renderEnvoyYaml', () => {
  test('a header line, then YAML that parses back to the bootstrap, without anchors or aliases', () => {
    const text = renderEnvoyYaml(CONFIG, { listenerPort: 18000 }, 'test.yaml');
    const [header, ...rest] = text.split('\n');
    expect(header).toBe('# Rendered by `aigw render-envoy test.yaml`. Do not edit: change the aigw config and render again.');
    const body = rest.join('\n');
    expect(body).not.toMatch(/[&*]a\d+\b/);
    expect(parse(body)).toEqual(renderEnvoyBootstrap(CONFIG, { listenerPort: 18000 }));
  });
});
