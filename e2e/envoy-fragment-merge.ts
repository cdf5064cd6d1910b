/**
 * The merge procedure of docs/envoy-fragment.md as code: puts `aigw render-envoy --fragment`
 * into a user's bootstrap. A user's config-management tool does the same steps; this is the
 * reference the e2e test runs against the real Envoy binary.
 */

type Json = Record<string, unknown>;

const HCM = 'envoy.filters.network.http_connection_manager';
const ROUTER_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

/** Where aigw's routes go: a virtual host of their own, or the top of one of the user's virtual hosts. */
export type RoutePlacement = { ownVirtualHost: true } | { mergeInto: string };

function hcmOf(listener: Json): Json {
  const chains = listener.filter_chains as Json[];
  for (const chain of chains) {
    const filter = (chain.filters as Json[]).find((entry) => entry.name === HCM);
    if (filter) return filter.typed_config as Json;
  }
  throw new Error(`listener ${String(listener.name)} has no ${HCM}`);
}

/** Returns a new bootstrap: `bootstrap` with `fragment` merged into its listener `listenerName`. */
export function mergeEnvoyFragment(bootstrap: Json, fragment: Json, listenerName: string, placement: RoutePlacement): Json {
  const merged = structuredClone(bootstrap);
  const resources = merged.static_resources as Json;
  const listener = (resources.listeners as Json[]).find((entry) => entry.name === listenerName);
  if (!listener) throw new Error(`no listener ${listenerName}`);
  const hcm = hcmOf(listener);

  // 1. Clusters: appended.
  resources.clusters = [...((resources.clusters as Json[] | undefined) ?? []), ...(fragment.clusters as Json[])];

  // 2. HTTP filters: all of aigw's, in order, immediately before the router (which gets suppress_envoy_headers).
  const filters = hcm.http_filters as Json[];
  const routerIndex = filters.findIndex((filter) => (filter.typed_config as Json | undefined)?.['@type'] === ROUTER_TYPE);
  if (routerIndex < 0) throw new Error('no router filter');
  const router = filters[routerIndex];
  const routerSettings = fragment.router as Json;
  const aigwFilters = (fragment.http_filters as Json[]).map((entry) => entry.filter as Json);
  hcm.http_filters = [...filters.slice(0, routerIndex), ...aigwFilters, { ...router, typed_config: { ...(router.typed_config as Json), ...routerSettings } }];

  // 3. Routes: aigw's virtual host added, or aigw's routes on top of the user's virtual host.
  const routeConfig = hcm.route_config as Json;
  const hosts = routeConfig.virtual_hosts as Json[];
  if ('ownVirtualHost' in placement) {
    routeConfig.virtual_hosts = [fragment.virtual_host as Json, ...hosts];
  } else {
    const host = hosts.find((entry) => entry.name === placement.mergeInto);
    if (!host) throw new Error(`no virtual host ${placement.mergeInto}`);
    host.routes = [...((fragment.merge_routes as Json).routes as Json[]), ...(host.routes as Json[])];
  }

  // 4. Local replies: aigw's mappers before the user's own.
  const userMappers = ((hcm.local_reply_config as Json | undefined)?.mappers as Json[] | undefined) ?? [];
  hcm.local_reply_config = { ...(hcm.local_reply_config as Json | undefined), mappers: [...((fragment.local_reply_config as Json).mappers as Json[]), ...userMappers] };

  // 5. Access logs: appended.
  hcm.access_log = [...((hcm.access_log as Json[] | undefined) ?? []), ...(fragment.access_log as Json[])];

  // 6. The listener's buffer: at least aigw's.
  const buffer = (fragment.listener as Json).per_connection_buffer_limit_bytes as number;
  listener.per_connection_buffer_limit_bytes = Math.max((listener.per_connection_buffer_limit_bytes as number | undefined) ?? 0, buffer);

  // 7. The runtime layer, after the user's layers.
  const runtime = (fragment.bootstrap as Json).layered_runtime as Json;
  const userLayers = ((merged.layered_runtime as Json | undefined)?.layers as Json[] | undefined) ?? [];
  merged.layered_runtime = { layers: [...userLayers, ...(runtime.layers as Json[])] };
  return merged;
}
