import { stringify } from 'yaml';
import type { Json } from './render-envoy-clusters';
import { EXTPROC_CLUSTER, typed } from './render-envoy-clusters';
import { accessLog, envoyAnswersLog, localReplyConfig } from './render-envoy-replies';
import { renderRoutes } from './render-envoy-routes';
import type { RouteScope } from './render-envoy-routes';
import { aigwClusters, aigwHttpFilters, bufferLimitBytes, connectionManagerSettings } from './render-envoy';
import type { RenderOptions } from './render-envoy';
import type { RuntimeConfig } from './runtime';

/**
 * What a user adds to an Envoy of their own to run aigw in it (`aigw render-envoy --fragment`),
 * built from the same builders as aigw's whole bootstrap. The differences, all so that aigw's
 * pieces touch nothing of the user's: aigw's filters get names of their own (a user's own
 * ext_proc or ratelimit filter keeps its name and per-route config); the buffer filter is off
 * unless an aigw route turns it on (it would buffer every body on the user's routes);
 * aigw's routes are named `aigw.*`, and the local-reply mappers and access logs apply to
 * those routes only. docs/envoy-fragment.md is the merge procedure.
 */

/** aigw's filter names in a user's Envoy, by their name in aigw's own bootstrap. */
export const FRAGMENT_FILTER_NAMES: Readonly<Record<string, string>> = {
  'envoy.filters.http.ext_proc': 'aigw.ext_proc',
  'envoy.filters.http.buffer': 'aigw.buffer',
  'envoy.filters.http.ratelimit': 'aigw.ratelimit',
};

/** Route names start with this; mappers and logs match on it. */
export const ROUTE_NAME_PREFIX = 'aigw.';

/** Options of a fragment: where Envoy reaches aigw (as for the bootstrap), and the host aigw's own virtual host answers. */
export interface FragmentOptions extends Pick<RenderOptions, 'extprocTarget' | 'extprocTls' | 'accessLogPath' | 'mcpTarget'> {
  /** The domains of aigw's own virtual host (default `*`, which the user's listener must not use elsewhere). */
  domains?: readonly string[];
}

/** Whether the request went through one of aigw's routes (a CEL filter of local replies and access logs). */
const ON_AIGW_ROUTE: Json = {
  extension_filter: {
    name: 'envoy.access_loggers.extension_filters.cel',
    typed_config: typed('envoy.extensions.access_loggers.filters.cel.v3.ExpressionFilter', { expression: `xds.route_name.startsWith('${ROUTE_NAME_PREFIX}')` }),
  },
};

function renamedFilter(filter: Json): Json {
  const name = FRAGMENT_FILTER_NAMES[filter.name as string];
  if (!name) return filter;
  // Off by default like ext_proc: only aigw's routes turn the buffer filter on.
  return { ...filter, name, ...(name === 'aigw.buffer' ? { disabled: true } : {}) };
}

/** A route with aigw's filter names; the buffer filter is turned on wherever aigw's ext_proc is. */
function fragmentRoute(config: RuntimeConfig, route: Json, index: number): Json {
  const perFilter = (route.typed_per_filter_config ?? {}) as Json;
  const renamed: Json = Object.fromEntries(Object.entries(perFilter).map(([name, value]) => [FRAGMENT_FILTER_NAMES[name] ?? name, value]));
  const extproc = renamed['aigw.ext_proc'] as Json | undefined;
  if (extproc && extproc.disabled !== true && !('aigw.buffer' in renamed)) {
    renamed['aigw.buffer'] = typed('envoy.extensions.filters.http.buffer.v3.BufferPerRoute', { buffer: { max_request_bytes: bufferLimitBytes(config) } });
  }
  return { name: `${ROUTE_NAME_PREFIX}${index}`, ...route, typed_per_filter_config: renamed };
}

function fragmentRoutes(config: RuntimeConfig, scope: RouteScope): Json[] {
  return renderRoutes(config, scope).map((route, index) => fragmentRoute(config, route, index));
}

/** A local-reply mapper or access log that applies on aigw's routes only. */
function onAigwRoutes(entry: Json): Json {
  return { ...entry, filter: entry.filter ? { and_filter: { filters: [ON_AIGW_ROUTE, entry.filter] } } : ON_AIGW_ROUTE };
}

/** What only aigw's own listener and bootstrap can carry: settings to copy or choose, each with its reason. */
function notes(config: RuntimeConfig): string[] {
  return [
    'http_filters: insert every filter, in this order, immediately before your router filter (after your own filters, such as CORS or Lua). aigw.ext_proc and aigw.buffer are off unless a route of aigw turns them on; the Lua filters and aigw.ratelimit act only on requests aigw has seen (io.aigw metadata).',
    'routes: either add virtual_host as a virtual host of its own (its domains must not be served by another virtual host of the listener), or put merge_routes.routes at the top of your own virtual host, before your routes (your catch-all route would otherwise take aigw\'s requests when aigw re-routes them by model).',
    `local_reply_config: put these mappers before your own (the first match wins). They apply only on aigw's routes (route names ${ROUTE_NAME_PREFIX}*), so your routes' local replies stay yours. A connection manager has one local_reply_config: aigw's answers keep their client-API error shape only where these mappers are present.`,
    'access_log: append to your connection manager\'s access_log. The gRPC entry feeds aigw\'s records of requests Envoy answered itself (it uses the aigw_extproc cluster); the JSON log is optional. Both apply on aigw\'s routes only.',
    `listener.per_connection_buffer_limit_bytes: set at least ${bufferLimitBytes(config)} on your listener, or larger request bodies and whole non-streamed responses exceed Envoy's buffer before aigw reads them.`,
    'http_connection_manager: aigw\'s own listener uses these settings; they apply to the whole connection manager (your routes too), so take the ones your listener can live with. Each model route carries its own timeout and idle_timeout regardless.',
    'router: suppress_envoy_headers: true on your router filter keeps x-envoy-* request headers away from providers; without it they reach the provider (harmless to the providers aigw supports, but they name your Envoy).',
    `bootstrap.layered_runtime: add this layer (or the key to an existing static layer). Without it Envoy resets each ext_proc stream instead of half-closing it, and aigw's gRPC server drops connections that see many resets (failed requests under load).`,
    `clusters: names ${EXTPROC_CLUSTER}, aigw_mcp and model_<n>_<model> must not clash with yours. ${EXTPROC_CLUSTER} is aigw's gRPC server (ext_proc, rate limits, access log service): run one aigw (\`aigw serve\`) beside each Envoy, since both ext_proc filters of one request must reach the same aigw process.`,
    'Only in aigw\'s own listener: the unknown-path 404 in the client\'s error shape and the 401 for a request without any key on any path (merge_routes answers them on aigw\'s paths only); aigw up\'s draining, which reads the listener\'s http.aigw.* stats; the overload manager\'s connection cap; the admin address and listener address of the aigw config (your Envoy\'s own are used).',
  ];
}

/** The fragment as data: stable top-level keys for a config-management tool to merge. */
export function renderEnvoyFragment(config: RuntimeConfig, options: FragmentOptions = {}): Json {
  const costNames = [...(config.rateLimits?.formulas.keys() ?? [])];
  return {
    notes: notes(config),
    http_filters: aigwHttpFilters(config).map((filter) => ({ insert: 'before_router', filter: renamedFilter(filter) })),
    virtual_host: { name: 'aigw', domains: [...(options.domains ?? ['*'])], routes: fragmentRoutes(config, 'host') },
    merge_routes: {
      insert: 'top_of_virtual_host',
      routes: fragmentRoutes(config, 'paths'),
      needs_own_virtual_host: [
        {
          route: 'unknown URL (404 in the client\'s error shape)',
          reason: 'it matches every path (prefix /): in your virtual host it would answer your own paths. Merged, a path aigw does not serve goes on to your routes.',
        },
        {
          route: 'no key (401) on any path',
          reason: 'it matches every path without authorization or x-api-key: merged, it applies to aigw\'s paths only.',
        },
      ],
    },
    clusters: aigwClusters(config, options),
    local_reply_config: { mappers: (localReplyConfig(config).mappers as Json[]).map(onAigwRoutes) },
    access_log: [...accessLog(options.accessLogPath ?? config.source.envoy.accessLog, costNames), envoyAnswersLog(EXTPROC_CLUSTER)].map(onAigwRoutes),
    listener: { per_connection_buffer_limit_bytes: bufferLimitBytes(config) },
    http_connection_manager: connectionManagerSettings(config),
    router: { suppress_envoy_headers: true },
    bootstrap: {
      layered_runtime: { layers: [{ name: 'aigw', static_layer: { 'envoy.reloadable_features.ext_proc_graceful_grpc_close': true } }] },
    },
  };
}

/** The fragment as YAML, with a header saying where it came from and where the procedure is. */
export function renderEnvoyFragmentYaml(config: RuntimeConfig, options: FragmentOptions = {}, sourceName = 'aigw.yaml'): string {
  return `# Rendered by \`aigw render-envoy ${sourceName} --fragment\`: what to add to your own Envoy (docs/envoy-fragment.md). Do not edit: change the aigw config and render again.\n${stringify(renderEnvoyFragment(config, options), { lineWidth: 0, aliasDuplicateObjects: false })}`;
}
