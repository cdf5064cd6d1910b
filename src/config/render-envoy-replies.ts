import { ERROR_SHAPED_KEY, METADATA_NAMESPACE } from '../extproc/stream-processor';
import type { Json } from './render-envoy-clusters';
import { typed } from './render-envoy-clusters';
import type { RuntimeConfig } from './runtime';

/** The OpenAI-shaped error Envoy itself sends for a body over the limit (aigw sends the same). */
export function tooLargeBody(limit: number): { error: { message: string; type: string; param: null; code: string } } {
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
export function localReplyConfig(config: RuntimeConfig): Json {
  const status = (op: 'EQ' | 'GE', value: number): Json => ({
    status_code_filter: { comparison: { op, value: { default_value: value, runtime_key: `aigw.local_reply.${op}_${value}` } } },
  });
  const metadataIs = (key: string, value: Json, ifMissing: boolean): Json => ({
    metadata_filter: { matcher: { filter: METADATA_NAMESPACE, path: [{ key }], value }, match_if_key_not_found: ifMissing },
  });
  // aigw's replies from the upstream filter (an attempt that cannot be prepared) carry their
  // metadata on the upstream stream, which local_reply_config does not see: their details
  // (aigw_<code>) mark them instead.
  const notAigwDetails: Json = {
    extension_filter: {
      name: 'envoy.access_loggers.extension_filters.cel',
      // Envoy's direct_response routes are aigw's too: their bodies are written in the client's shape.
      typed_config: typed('envoy.extensions.access_loggers.filters.cel.v3.ExpressionFilter', { expression: "!response.code_details.startsWith('aigw_') && response.code_details != 'direct_response'" }),
    },
  };
  const notFromAigw: Json = { and_filter: { filters: [metadataIs(ERROR_SHAPED_KEY, { bool_match: false }, true), notAigwDetails] } };
  // Anthropic clients: aigw records the shape once it has read the body; before that
  // (e.g. a body over Envoy's buffer) only the path can tell. The path alone is not
  // enough later, since an attempt rewrites :path for its provider.
  const anthropicShape = metadataIs('error_shape', { string_match: { exact: 'anthropic' } }, false);
  const maybeAnthropicShape = metadataIs('error_shape', { string_match: { exact: 'anthropic' } }, true);
  const pathPrefix = (prefix: string): Json => ({ header_filter: { header: { name: ':path', string_match: { prefix } } } });
  const anthropicClient: Json = {
    or_filter: {
      filters: [anthropicShape, { and_filter: { filters: [maybeAnthropicShape, { or_filter: { filters: [pathPrefix('/v1/messages'), pathPrefix('/anthropic/')] } }] } }],
    },
  };
  const mapper = (filters: Json[], body: Json): Json => ({
    filter: { and_filter: { filters: [...filters, notFromAigw] } },
    body_format_override: { json_format: body, content_type: 'application/json' },
  });
  const limit = config.limits.maxRequestBodyBytes;
  const anthropic = (type: string, message: string): Json => ({ type: 'error', error: { type, message } });
  // Envoy's own words about the upstream (no healthy upstream, connect error); never its internals' details.
  const serverMessage = '%LOCAL_REPLY_BODY%';
  // A request Envoy's ratelimit filter turned away (response flag RL): aigw's rate-limit
  // service put the reason in the reply's body and its kind in x-aigw-limit-code.
  const rateLimited: Json = { response_flag_filter: { flags: ['RL'] } };
  const limitMessage = '%LOCAL_REPLY_BODY%';
  // aigw itself unreachable or failing (ext_proc's own errors): a plain 503 that names nothing internal.
  const gatewayDown: Json = {
    extension_filter: {
      name: 'envoy.access_loggers.extension_filters.cel',
      typed_config: typed('envoy.extensions.access_loggers.filters.cel.v3.ExpressionFilter', { expression: "response.code_details.startsWith('ext_proc_error')" }),
    },
  };
  const unavailable = 'The gateway is temporarily unavailable; retry shortly.';
  const downMapper = (filters: Json[], body: Json): Json => ({ ...mapper(filters, body), status_code: 503 });
  return {
    mappers: [
      downMapper([gatewayDown, anthropicClient], anthropic('overloaded_error', unavailable)),
      downMapper([gatewayDown], { error: { message: unavailable, type: 'server_error', param: null, code: 'gateway_unavailable' } }),
      ...(config.rateLimits
        ? [
            mapper([rateLimited, anthropicClient], anthropic('rate_limit_error', limitMessage)),
            mapper([rateLimited], { error: { message: limitMessage, type: 'rate_limit_error', param: null, code: '%RESP(x-aigw-limit-code)%' } }),
          ]
        : []),
      mapper([status('EQ', 413), anthropicClient], anthropic('request_too_large', tooLargeBody(limit).error.message)),
      mapper([status('EQ', 413)], tooLargeBody(limit)),
      mapper([status('GE', 500), anthropicClient], anthropic('api_error', serverMessage)),
      mapper([status('GE', 500)], { error: { message: serverMessage, type: 'server_error', param: null, code: 'upstream_error' } }),
      mapper([status('GE', 400), anthropicClient], anthropic('invalid_request_error', '%LOCAL_REPLY_BODY%')),
      mapper([status('GE', 400)], { error: { message: '%LOCAL_REPLY_BODY%', type: 'invalid_request_error', param: null, code: null } }),
    ],
  };
}

/**
 * Envoy's access-log service entries to aigw (telemetry/access-log-service.ts) for every
 * request aigw did not record itself: those Envoy answered before aigw saw them (a refusal
 * route), and those whose end aigw did not see (Envoy's own 503 or 504, the ratelimit
 * filter's 429, a client that left). aigw marks what it recorded with io.aigw `recorded`, so
 * a normal request costs nothing here. MCP requests have their own records.
 */
export function envoyAnswersLog(cluster: string): Json {
  const unrecorded: Json = {
    metadata_filter: { matcher: { filter: METADATA_NAMESPACE, path: [{ key: 'recorded' }], value: { bool_match: false } }, match_if_key_not_found: true },
  };
  const notMcp: Json = {
    extension_filter: {
      name: 'envoy.access_loggers.extension_filters.cel',
      typed_config: typed('envoy.extensions.access_loggers.filters.cel.v3.ExpressionFilter', {
        expression: "!request.path.startsWith('/mcp') && !request.path.startsWith('/.well-known/oauth-protected-resource')",
      }),
    },
  };
  return {
    name: 'envoy.access_loggers.http_grpc',
    filter: { and_filter: { filters: [unrecorded, notMcp] } },
    typed_config: typed('envoy.extensions.access_loggers.grpc.v3.HttpGrpcAccessLogConfig', {
      common_config: {
        log_name: 'aigw',
        grpc_service: { envoy_grpc: { cluster_name: cluster } },
        transport_api_version: 'V3',
        // Records wait for these entries: flush soon.
        buffer_flush_interval: '0.1s',
      },
    }),
  };
}

/** The JSON access log, with the caller and token usage from io.aigw dynamic metadata. */
export function accessLog(path: string, costNames: readonly string[] = []): Json[] {
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
      // Set when a routing rule chose the model: what the client asked for, and the rule.
      requested_model: metadata('requested_model'),
      route_rule: metadata('route_rule'),
      caller: metadata('caller'),
      team: metadata('team'),
      project: metadata('project'),
      input_tokens: metadata('input_tokens'),
      output_tokens: metadata('output_tokens'),
      cached_input_tokens: metadata('cached_input_tokens'),
      cache_creation_input_tokens: metadata('cache_creation_input_tokens'),
      reasoning_tokens: metadata('reasoning_tokens'),
      total_tokens: metadata('total_tokens'),
      cost_usd: metadata('cost_usd'),
      // Guardrail policy applied, and its actions as direction:detector:action=count pairs.
      guardrail_policy: metadata('guardrail_policy'),
      guardrails: metadata('guardrails'),
      // Each configured cost formula's value (rateLimits.costs).
      ...Object.fromEntries(costNames.map((name) => [`cost_${name}`, metadata(`cost_${name}`)])),
    },
  };
  // Envoy cannot open /dev/stdout when stdout is a socket (a supervisor's or a test's
  // pipe), so standard output gets the stdout logger, which writes to the descriptor.
  if (path === '/dev/stdout') {
    return [{ name: 'envoy.access_loggers.stdout', typed_config: typed('envoy.extensions.access_loggers.stream.v3.StdoutAccessLog', { log_format: logFormat }) }];
  }
  return [{ name: 'envoy.access_loggers.file', typed_config: typed('envoy.extensions.access_loggers.file.v3.FileAccessLog', { path, log_format: logFormat }) }];
}
