import type { K8sObject } from '../src/k8s/k8s-objects';
import { applyPatch } from './json-patch';
import type { PatchOperation } from './json-patch';

/**
 * A model of what Envoy Gateway v1.6 generates from aigw's rendered objects, built from those
 * objects the way its translator does (internal/gatewayapi and internal/xds/translator: names
 * `NS/GATEWAY/LISTENER`, routes `httproute/NS/NAME/rule/R/match/M/HOST`, the EnvoyExtensionPolicy's
 * ext_proc filter disabled on the connection manager and turned on per route by an empty
 * FilterConfig, request and response headers SENT whenever a processing mode names them), then
 * the EnvoyPatchPolicy applied to it as Envoy Gateway applies it. The result, as a static
 * bootstrap, is what `envoy --mode validate` checks. It is a model: Envoy Gateway's own
 * translator is not run here (docs/kubernetes-gateways.md).
 */

type Json = Record<string, unknown>;

const ANY = 'type.googleapis.com/';

function find(objects: readonly K8sObject[], kind: string, name?: string): K8sObject[] {
  return objects.filter((object) => object.kind === kind && (name === undefined || object.metadata.name === name));
}

function backendAddress(object: K8sObject): Json {
  const endpoint = ((object.spec as Json).endpoints as Json[])[0];
  if (endpoint.unix) return { pipe: { path: (endpoint.unix as Json).path } };
  const address = (endpoint.fqdn ?? endpoint.ip) as Json;
  return { socket_address: { address: address.hostname ?? address.address, port_value: address.port } };
}

function cluster(name: string, addresses: Json[], http2 = false): Json {
  return {
    name,
    type: addresses.some((address) => 'pipe' in address) ? 'STATIC' : 'STRICT_DNS',
    connect_timeout: '10s',
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: addresses.map((address) => ({ endpoint: { address } })) }] },
    ...(http2
      ? { typed_extension_protocol_options: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { '@type': `${ANY}envoy.extensions.upstreams.http.v3.HttpProtocolOptions`, explicit_http_config: { http2_protocol_options: {} } } } }
      : {}),
  };
}

/** Envoy Gateway's cluster for the ext_proc Backend: HTTP/2, with the extProc's backendSettings (circuit breaker, connect timeout). */
function extProcCluster(policy: K8sObject, name: string, address: Json): Json {
  const settings = (((policy.spec as Json).extProc as Json[])[0].backendSettings ?? {}) as { circuitBreaker?: Json; timeout?: { tcp?: { connectTimeout?: string } } };
  const breaker = settings.circuitBreaker ?? {};
  const base = cluster(name, [address], true);
  const options = (base.typed_extension_protocol_options as Json)['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'] as Json;
  return {
    ...base,
    connect_timeout: settings.timeout?.tcp?.connectTimeout ?? base.connect_timeout,
    circuit_breakers: { thresholds: [{ max_connections: breaker.maxConnections, max_pending_requests: breaker.maxPendingRequests, max_requests: breaker.maxParallelRequests }] },
    typed_extension_protocol_options: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { ...options, common_http_protocol_options: { max_requests_per_connection: breaker.maxRequestsPerConnection } },
    },
  };
}

/** The ext_proc filter Envoy Gateway builds from the EnvoyExtensionPolicy's first extProc. */
export function generatedExtProcFilter(policy: K8sObject, filterName: string, clusterName: string): Json {
  const extproc = ((policy.spec as Json).extProc as Json[])[0];
  const mode = extproc.processingMode as { request: Json; response: Json };
  const metadata = extproc.metadata as { accessibleNamespaces: string[]; writableNamespaces: string[] };
  return {
    name: filterName,
    disabled: true,
    typed_config: {
      '@type': `${ANY}envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor`,
      grpc_service: { envoy_grpc: { cluster_name: clusterName, authority: `${((extproc.backendRefs as Json[])[0].name as string)}.${policy.metadata.namespace as string}` }, timeout: '10s' },
      processing_mode: {
        request_header_mode: 'SEND',
        response_header_mode: 'SEND',
        request_body_mode: String(mode.request.body).toUpperCase(),
        response_body_mode: String(mode.response.body).toUpperCase(),
        request_trailer_mode: 'SKIP',
        response_trailer_mode: 'SKIP',
      },
      failure_mode_allow: extproc.failOpen,
      message_timeout: extproc.messageTimeout,
      request_attributes: mode.request.attributes,
      response_attributes: mode.response.attributes,
      metadata_options: { forwarding_namespaces: { untyped: metadata.accessibleNamespaces }, receiving_namespaces: { untyped: metadata.writableNamespaces } },
    },
  };
}

/** The generated listener, route configuration and clusters, patched, as one static bootstrap. */
export function envoyGatewayBootstrap(objects: readonly K8sObject[], names: { namespace: string; gateway: string; listener: string }, listenerPort: number, adminPort: number): Json {
  const ns = names.namespace;
  const resourceName = `${ns}/${names.gateway}/${names.listener}`;
  const [policy] = find(objects, 'EnvoyExtensionPolicy');
  const filterName = `envoy.filters.http.ext_proc/envoyextensionpolicy/${ns}/${policy.metadata.name as string}/extproc/0`;
  const extprocCluster = `envoyextensionpolicy/${ns}/${policy.metadata.name as string}/extproc/0`;
  const targets = ((policy.spec as Json).targetRefs as Json[]).map((ref) => ref.name);
  const backends = new Map(find(objects, 'Backend').map((object) => [object.metadata.name as string, object]));
  const clusters: Json[] = [extProcCluster(policy, extprocCluster, backendAddress(backends.get('aigw-extproc') as K8sObject))];
  const routes: Json[] = [];
  for (const route of find(objects, 'HTTPRoute')) {
    const name = route.metadata.name as string;
    const retry = find(objects, 'BackendTrafficPolicy').find((btp) => ((btp.spec as Json).targetRefs as Json[]).some((ref) => ref.name === name))?.spec as Json | undefined;
    ((route.spec as Json).rules as Json[]).forEach((rule, ruleIndex) => {
      const destination = `httproute/${ns}/${name}/rule/${ruleIndex}`;
      const refs = (rule.backendRefs as Json[] | undefined) ?? [];
      if (refs.length > 0) clusters.push(cluster(destination, refs.map((ref) => backendAddress(backends.get(ref.name as string) as K8sObject))));
      (rule.matches as Json[]).forEach((match, matchIndex) => {
        const path = match.path as Json;
        const retryPolicy = retry?.retry as { numRetries: number; retryOn: { triggers: string[]; httpStatusCodes: number[] } } | undefined;
        const timeout = (rule.timeouts as Json | undefined)?.request;
        routes.push({
          name: `${destination}/match/${matchIndex}/*`,
          match: {
            ...(path.type === 'Exact' ? { path: path.value } : { prefix: path.value }),
            ...(match.method ? { headers: [{ name: ':method', string_match: { exact: match.method } }] } : {}),
          },
          ...(refs.length > 0
            ? {
                route: {
                  cluster: destination,
                  ...(timeout ? { timeout } : {}),
                  ...(retryPolicy
                    ? { retry_policy: { retry_on: retryPolicy.retryOn.triggers.join(','), num_retries: retryPolicy.numRetries, retriable_status_codes: retryPolicy.retryOn.httpStatusCodes } }
                    : {}),
                },
              }
            : { direct_response: { status: 500 } }),
          ...(targets.includes(name) ? { typed_per_filter_config: { [filterName]: { '@type': `${ANY}envoy.config.route.v3.FilterConfig`, config: {} } } } : {}),
        });
      });
    });
  }
  const listener: Json = {
    name: resourceName,
    address: { socket_address: { address: '127.0.0.1', port_value: listenerPort } },
    default_filter_chain: {
      filters: [
        {
          name: 'envoy.filters.network.http_connection_manager',
          typed_config: {
            '@type': `${ANY}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`,
            stat_prefix: `http-${listenerPort}`,
            rds: { route_config_name: resourceName, config_source: { ads: {}, resource_api_version: 'V3' } },
            http_filters: [generatedExtProcFilter(policy, filterName, extprocCluster), { name: 'envoy.filters.http.router', typed_config: { '@type': `${ANY}envoy.extensions.filters.http.router.v3.Router` } }],
          },
        },
      ],
    },
  };
  const routeConfiguration: Json = { name: resourceName, virtual_hosts: [{ name: `${resourceName}/*`, domains: ['*'], routes }] };
  const [patchPolicy] = find(objects, 'EnvoyPatchPolicy');
  for (const patch of (patchPolicy.spec as Json).jsonPatches as Array<{ type: string; name: string; operation: PatchOperation }>) {
    if (patch.type.endsWith('Cluster') && patch.operation.op === 'add' && !patch.operation.path && !patch.operation.jsonPath) {
      clusters.push(structuredClone(patch.operation.value) as Json);
      continue;
    }
    const resource = patch.type.endsWith('.Listener') ? listener : patch.type.endsWith('.RouteConfiguration') ? routeConfiguration : undefined;
    if (!resource || patch.name !== resourceName) throw new Error(`patch of ${patch.type} ${patch.name}: no such generated resource`);
    applyPatch(resource, patch.operation);
  }
  // Static, for `envoy --mode validate`: the route configuration inline instead of from RDS.
  const manager = ((listener.default_filter_chain as Json).filters as Json[])[0].typed_config as Json;
  delete manager.rds;
  manager.route_config = routeConfiguration;
  return {
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: adminPort } } },
    static_resources: { listeners: [listener], clusters },
    layered_runtime: { layers: [{ name: 'global_config', static_layer: { 'envoy.restart_features.use_eds_cache_for_ads': true } }] },
  };
}
