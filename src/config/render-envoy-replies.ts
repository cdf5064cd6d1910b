import { ERROR_SHAPED_KEY, METADATA_NAMESPACE } from '../extproc/stream-processor';
import type { Json } from './render-envoy-clusters';
import { typed } from './render-envoy-clusters';
import type { RuntimeConfig } from './runtime';

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
export function localReplyConfig(config: RuntimeConfig): Json {
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

/** The JSON access log, with the caller and token usage from io.aigw dynamic metadata. */
export function accessLog(path: string): Json[] {
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
