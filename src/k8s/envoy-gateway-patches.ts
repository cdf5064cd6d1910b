import type { Json } from '../config/render-envoy-clusters';
import { MCP_CLUSTER } from '../config/render-envoy-mcp';
import { typed } from '../config/render-envoy-clusters';
import { renderEnvoyFragment } from '../config/render-envoy-fragment';
import type { RuntimeConfig } from '../config/runtime';

/**
 * The JSON patches of aigw's EnvoyPatchPolicy: what Envoy Gateway's resources cannot express,
 * applied to the xDS Envoy Gateway generates from the HTTPRoutes and policies beside it
 * (envoy-gateway.ts). Every value comes from the builders of aigw's own bootstrap and
 * fragment (render-envoy-fragment.ts), so the three never disagree. docs/kubernetes-gateways.md
 * says why each one is a patch.
 */

/** The xDS names Envoy Gateway v1.6 gives the objects aigw renders. */
export interface GatewayNames {
  readonly namespace: string;
  /** The Gateway the routes attach to. */
  readonly gateway: string;
  /** The Gateway's listener (sectionName); its Envoy listener and route configuration are `NS/GATEWAY/LISTENER`. */
  readonly listener: string;
  /** The entry HTTPRoute, the MCP HTTPRoute and the EnvoyExtensionPolicy. */
  readonly entryRoute: string;
  readonly mcpRoute: string;
  readonly extensionPolicy: string;
  /** HTTPRoute name of each model, by its index in the config. */
  readonly modelRoute: (index: number) => string;
}

export const LISTENER_TYPE = 'type.googleapis.com/envoy.config.listener.v3.Listener';
export const ROUTE_CONFIG_TYPE = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';
export const CLUSTER_TYPE = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';

/** One entry of EnvoyPatchPolicy.spec.jsonPatches. */
export interface EnvoyJsonPatch {
  readonly type: string;
  readonly name: string;
  readonly operation: { op: 'add' | 'replace' | 'remove'; path?: string; jsonPath?: string; value?: unknown };
}

/** Envoy Gateway's name for the ext_proc filter of an EnvoyExtensionPolicy's first extProc. */
export function extensionFilterName(names: GatewayNames): string {
  return `envoy.filters.http.ext_proc/envoyextensionpolicy/${names.namespace}/${names.extensionPolicy}/extproc/0`;
}

/** JSONPath selecting an HTTP filter by name (in whichever filter chain Envoy Gateway put the connection manager). */
function filterByName(name: string): string {
  return `..http_filters[?(@.name=='${name}')]`;
}

/** JSONPath selecting every xDS route of one HTTPRoute rule's match, whatever host it was generated for. */
export function routesOf(names: GatewayNames, route: string, rule: number, match: number): string {
  return `..routes[?(@.name =~ '^httproute/${names.namespace}/${route}/rule/${rule}/match/${match}/')]`;
}

const ROUTER = 'envoy.filters.http.router';
const CONNECTION_MANAGER = "..filters[?(@.name=='envoy.filters.network.http_connection_manager')]";

/** The client paths of model calls, in the entry HTTPRoute's first rule (one match each); the same as aigw's own routes (render-envoy-routes.ts, a test holds them together). */
export const MODEL_CALL_PATHS = ['/v1/chat/completions', '/v1/embeddings', '/v1/responses', '/v1/messages', '/anthropic/v1/messages', '/v1/completions'] as const;

/** Route names aigw's local-reply mappers and access logs match on (the fragment's `aigw.` prefix). */
function aigwRouteName(suffix: string): string {
  return `aigw.${suffix}`;
}

/** Listener patches: aigw's filters around Envoy Gateway's ext_proc, the router's setting, local replies and access logs. */
function listenerPatches(fragment: Json, names: GatewayNames): EnvoyJsonPatch[] {
  const listener = `${names.namespace}/${names.gateway}/${names.listener}`;
  const patch = (operation: EnvoyJsonPatch['operation']): EnvoyJsonPatch => ({ type: LISTENER_TYPE, name: listener, operation });
  const filters = (fragment.http_filters as Array<{ filter: Json }>).map((entry) => entry.filter);
  const before = filters.filter((filter) => filter.name === 'aigw.lua.response');
  // Envoy Gateway's ext_proc filter takes the place of aigw.ext_proc; the others keep their order.
  const after = filters.filter((filter) => filter.name !== 'aigw.lua.response' && filter.name !== 'aigw.ext_proc');
  const ownExtproc = filters.find((filter) => filter.name === 'aigw.ext_proc')?.typed_config as Json;
  const extproc = filterByName(extensionFilterName(names));
  const mappers = (fragment.local_reply_config as Json).mappers as Json[];
  return [
    // JSON Patch `add` at an element's index inserts before it.
    ...before.map((value) => patch({ op: 'add', jsonPath: extproc, path: '', value })),
    // Envoy Gateway sends request headers whenever `processingMode.request` is set; aigw wants
    // only the buffered body (the buffer filter holds the headers back meanwhile).
    patch({ op: 'replace', jsonPath: extproc, path: '/typed_config/processing_mode', value: ownExtproc.processing_mode }),
    // The headers aigw reads come as attributes (it gets no headers message); an
    // EnvoyExtensionPolicy's attributes cannot index request.headers.
    patch({ op: 'replace', jsonPath: extproc, path: '/typed_config/request_attributes', value: ownExtproc.request_attributes }),
    ...after.map((value) => patch({ op: 'add', jsonPath: filterByName(ROUTER), path: '', value })),
    patch({ op: 'add', jsonPath: filterByName(ROUTER), path: '/typed_config/suppress_envoy_headers', value: true }),
    patch({ op: 'add', jsonPath: CONNECTION_MANAGER, path: '/typed_config/local_reply_config', value: { mappers } }),
    ...(fragment.access_log as Json[]).map((value) => patch({ op: 'add', jsonPath: CONNECTION_MANAGER, path: '/typed_config/access_log/-', value })),
  ];
}

/** Whether a fragment route turns aigw's ext_proc on. */
function aigwOn(route: Json): boolean {
  const extproc = (route.typed_per_filter_config as Json | undefined)?.['aigw.ext_proc'] as Json | undefined;
  return extproc !== undefined && extproc.disabled !== true;
}

/** Route patches: model routes chosen on aigw's metadata, sent to aigw's model clusters; the entry routes answer as aigw's. */
function routePatches(config: RuntimeConfig, fragment: Json, names: GatewayNames): EnvoyJsonPatch[] {
  const routeConfig = `${names.namespace}/${names.gateway}/${names.listener}`;
  const patch = (jsonPath: string, operation: Omit<EnvoyJsonPatch['operation'], 'jsonPath'>): EnvoyJsonPatch => ({
    type: ROUTE_CONFIG_TYPE,
    name: routeConfig,
    operation: { ...operation, jsonPath },
  });
  const aigwRoutes = (fragment.virtual_host as Json).routes as Json[];
  const modelRoutes = aigwRoutes.filter((route) => (route.match as Json).dynamic_metadata !== undefined);
  // The route model calls start on: aigw's filters on, and a 400 for a call without a body.
  const emptyBody = aigwRoutes.filter((route) => (route.direct_response as Json | undefined)?.status === 400 && aigwOn(route));
  const bufferPerRoute = (emptyBody[0].typed_per_filter_config as Json)['aigw.buffer'];
  const patches: EnvoyJsonPatch[] = [];
  const enable = { [extensionFilterName(names)]: typed('envoy.config.route.v3.FilterConfig', { config: {} }) };
  [...config.models.values()].forEach((_model, index) => {
    const aigw = modelRoutes[index];
    // The whole route: what Envoy Gateway generated for it depends on the Backends (see envoy-gateway.ts).
    const value = { name: aigwRouteName(`model.${index}`), match: aigw.match, route: aigw.route, typed_per_filter_config: { ...enable, 'aigw.buffer': bufferPerRoute } };
    patches.push(patch(routesOf(names, names.modelRoute(index), 0, 0), { op: 'replace', path: '', value }));
  });
  const mcpRoutes = aigwRoutes.filter((route) => (route.route as Json | undefined)?.cluster === MCP_CLUSTER);
  mcpRoutes.forEach((route, index) => {
    const value = { name: aigwRouteName(`mcp.${index}`), match: route.match, route: route.route };
    patches.push(patch(routesOf(names, names.mcpRoute, index, 0), { op: 'replace', path: '', value }));
  });
  const [anthropicReply, openaiReply] = emptyBody;
  MODEL_CALL_PATHS.forEach((path, match) => {
    const selector = routesOf(names, names.entryRoute, 0, match);
    const reply = path.endsWith('/messages') ? anthropicReply : openaiReply;
    patches.push(
      // Only until aigw has named the model: then the model's route must win, wherever
      // Envoy Gateway sorted it.
      patch(selector, { op: 'add', path: '/match/dynamic_metadata', value: [{ filter: 'io.aigw', path: [{ key: 'model' }], value: { present_match: true }, invert: true }] }),
      // A model call without a body never reaches aigw: answered like aigw's own listener does.
      patch(selector, { op: 'replace', path: '/direct_response', value: reply.direct_response }),
      patch(selector, { op: 'add', path: '/response_headers_to_add', value: reply.response_headers_to_add }),
      patch(selector, { op: 'add', path: '/typed_per_filter_config/aigw.buffer', value: bufferPerRoute }),
      patch(selector, { op: 'replace', path: '/name', value: aigwRouteName(`entry.${match}`) }),
    );
  });
  // GET /v1/models has no body: aigw answers from its headers (a per-route processing mode).
  const models = aigwRoutes.find((route) => JSON.stringify(route.match).includes('/v1/models'));
  const modelsOverride = ((models?.typed_per_filter_config as Json)['aigw.ext_proc'] as Json).overrides;
  const modelsSelector = routesOf(names, names.entryRoute, 1, 0);
  patches.push(
    patch(modelsSelector, {
      op: 'replace',
      path: `/typed_per_filter_config/${extensionFilterName(names).replace(/~/g, '~0').replace(/\//g, '~1')}`,
      value: typed('envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute', { overrides: modelsOverride }),
    }),
    patch(modelsSelector, { op: 'replace', path: '/name', value: aigwRouteName('models') }),
  );
  return patches;
}

/** Every JSON patch of aigw's EnvoyPatchPolicy, in the order Envoy Gateway applies them. */
export function envoyGatewayPatches(config: RuntimeConfig, names: GatewayNames, extprocTarget?: string): EnvoyJsonPatch[] {
  const fragment = renderEnvoyFragment(config, { extprocTarget });
  const clusters = (fragment.clusters as Json[]).map((value): EnvoyJsonPatch => ({ type: CLUSTER_TYPE, name: value.name as string, operation: { op: 'add', path: '', value } }));
  return [...clusters, ...listenerPatches(fragment, names), ...routePatches(config, fragment, names)];
}
