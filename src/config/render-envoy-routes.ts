import { METADATA_NAMESPACE } from '../extproc/stream-processor';
import { errorJson } from '../api/error-shape';
import type { ErrorShape } from '../api/error-shape';
import { GatewayError, invalidRequest } from '../errors';
import { EMPTY_BODY_MESSAGE } from '../api/client-request';
import { NO_KEY_MESSAGE } from '../auth/identify';
import { tooLarge } from '../extproc/router-replies';
import type { Json } from './render-envoy-clusters';
import { modelClusterName, typed } from './render-envoy-clusters';
import { mcpRoutes } from './render-envoy-mcp';
import type { RuntimeConfig, RuntimeModel } from './runtime';

/** Client paths answered in Anthropic's error shape (the rest get OpenAI's). */
const ANTHROPIC_PATHS = '^(/anthropic)?/v1/messages/*$';
/** Client paths that carry a model call (a JSON body). */
export const MODEL_CALL_PATHS = '^(/v1/(chat/completions|completions|embeddings|responses)|(/anthropic)?/v1/messages)/*$';
/** Every client path aigw serves on the LLM side (model calls and the model list). */
const AIGW_PATHS = '^(/v1/(chat/completions|completions|embeddings|responses|models)|(/anthropic)?/v1/messages)/*$';

/**
 * Which requests aigw's routes answer: `host`, the whole virtual host (aigw's own listener:
 * any path without a key is refused, any unknown path answered 404 in the client's shape);
 * `paths`, only aigw's own paths, for routes merged into a user's virtual host whose other
 * paths are the user's (render-envoy-fragment.ts).
 */
export type RouteScope = 'host' | 'paths';

/** Per-route config that keeps aigw's filters out of a route Envoy answers itself. */
function withoutAigw(config: RuntimeConfig): Json {
  return {
    'envoy.filters.http.ext_proc': typed('envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute', { disabled: true }),
    'envoy.filters.http.buffer': typed('envoy.extensions.filters.http.buffer.v3.BufferPerRoute', { disabled: true }),
    ...(config.rateLimits && config.rateLimits.paths.length > 0 ? { 'envoy.filters.http.ratelimit': typed('envoy.config.route.v3.FilterConfig', { disabled: true }) } : {}),
  };
}

/**
 * Per-route config that turns aigw's router-level ext_proc on: the filter is off by default
 * (render-envoy.ts), so that a request with no route (one Envoy's codec refused) never reaches
 * it. A filter chain is built on the request's first route: the route model calls start on,
 * before aigw names their model, must carry this.
 */
function withAigw(): Json {
  return { 'envoy.filters.http.ext_proc': typed('envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute', { overrides: {} }) };
}

/** Where a refusal route applies, beyond its paths. */
interface RefusalMatch {
  /** Header matchers (all must match). */
  readonly headers?: Json[];
  /** The paths of OpenAI-shaped answers (Anthropic paths get Anthropic's shape); default all. */
  readonly openaiPaths?: Json;
  /** Keep aigw's filters on the route (it is also where requests start before aigw names their model). */
  readonly keepAigw?: boolean;
}

/** A reply Envoy sends itself, in the client API's error shape (by path), before reading any body. */
function refusal(config: RuntimeConfig, error: GatewayError, match: RefusalMatch = {}): Json[] {
  const reply = (shape: ErrorShape): Json => ({
    direct_response: { status: error.status, body: { inline_string: errorJson(shape, error) } },
    response_headers_to_add: [{ header: { key: 'content-type', value: 'application/json' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }],
    typed_per_filter_config: match.keepAigw ? withAigw() : withoutAigw(config),
  });
  const headers = match.headers ? { headers: match.headers } : {};
  return [
    { match: { safe_regex: { regex: ANTHROPIC_PATHS }, ...headers }, ...reply('anthropic') },
    { match: { ...(match.openaiPaths ?? { prefix: '/' }), ...headers }, ...reply('openai') },
  ];
}

/** The route of one model: chosen on the model aigw names in dynamic metadata once it has read the body. */
function modelRoute(config: RuntimeConfig, model: RuntimeModel, index: number): Json {
  return {
    match: {
      prefix: '/',
      dynamic_metadata: [{ filter: METADATA_NAMESPACE, path: [{ key: 'model' }], value: { string_match: { exact: model.name } } }],
    },
    route: {
      cluster: modelClusterName(model, index),
      timeout: `${config.limits.requestTimeoutSeconds}s`,
      idle_timeout: `${model.idleTimeoutSeconds}s`,
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
    typed_per_filter_config: withAigw(),
  };
}

/**
 * The listener's routes, in order:
 * 1. MCP (by path; aigw's LLM filters off);
 * 2. one per model, on the `io.aigw` `model` metadata aigw sets after reading the body (the
 *    route cache is cleared then, so these match only on that second look);
 * 3. refusals Envoy answers at once, before any body is read (so before aigw sees anything):
 *    a declared body over the limit (413), a request without any key (401);
 * 4. `GET /v1/models`, which has no body: aigw gets its headers instead (per-route processing mode);
 * 5. a model call that arrived without a body (so aigw, which reads bodies, never saw it): 400;
 * 6. anything else that never reached aigw: 404. (A path aigw does not serve but that has a
 *    body reaches aigw, which answers 404 in the client's shape.)
 * With scope `paths`, the refusals of 3 apply to aigw's paths only and 6 is left out.
 * Envoy-answered requests are recorded by aigw through the access-log service.
 */
export function renderRoutes(config: RuntimeConfig, scope: RouteScope = 'host'): Json[] {
  const models = [...config.models.values()];
  const limit = config.limits.maxRequestBodyBytes;
  const openaiPaths = scope === 'paths' ? { openaiPaths: { safe_regex: { regex: AIGW_PATHS } } } : {};
  return [
    ...mcpRoutes(config),
    ...models.map((model, index) => modelRoute(config, model, index)),
    ...refusal(config, tooLarge(limit), { ...openaiPaths, headers: [{ name: 'content-length', range_match: { start: limit + 1, end: Number.MAX_SAFE_INTEGER } }] }),
    ...refusal(config, new GatewayError(401, 'invalid_request_error', 'invalid_api_key', NO_KEY_MESSAGE), {
      ...openaiPaths,
      headers: [
        { name: 'authorization', present_match: false },
        { name: 'x-api-key', present_match: false },
      ],
    }),
    {
      match: { safe_regex: { regex: '^/v1/models/*$' } },
      // Never reached: aigw answers from the request headers.
      direct_response: { status: 404 },
      typed_per_filter_config: {
        'envoy.filters.http.ext_proc': typed('envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute', {
          overrides: { processing_mode: { request_header_mode: 'SEND', request_body_mode: 'NONE', response_header_mode: 'SKIP', response_body_mode: 'NONE' } },
        }),
      },
    },
    // A model call without a body (aigw, which reads bodies, never sees it). This is also
    // the route every model call starts on, before aigw names its model: aigw's filters stay.
    ...refusal(config, invalidRequest(EMPTY_BODY_MESSAGE), { openaiPaths: { safe_regex: { regex: MODEL_CALL_PATHS } }, keepAigw: true }),
    ...(scope === 'host' ? refusal(config, new GatewayError(404, 'invalid_request_error', 'unknown_url', 'Unknown request URL.')) : []),
  ];
}
