import type { K8sObject } from '../src/k8s/k8s-objects';

/**
 * A model of an Istio ingress gateway's Envoy config (a listener on the Gateway's port, its
 * route configuration with Istio's catch-all `blackhole` virtual host, a CORS filter and the
 * router), with aigw's EnvoyFilter applied as Istio applies each patch: INSERT_BEFORE the
 * router, MERGE as a protobuf merge (objects merged, lists appended, values replaced), ADD of
 * virtual hosts and clusters. The result is what `envoy --mode validate` checks.
 */

type Json = Record<string, unknown>;

const ANY = 'type.googleapis.com/';

/** A protobuf-style merge: objects field by field, lists appended, anything else replaced. */
export function protoMerge(target: Json, source: Json): Json {
  for (const [key, value] of Object.entries(source)) {
    const current = target[key];
    if (Array.isArray(value) && Array.isArray(current)) target[key] = [...current, ...structuredClone(value)];
    else if (value !== null && typeof value === 'object' && !Array.isArray(value) && current !== null && typeof current === 'object' && !Array.isArray(current)) protoMerge(current as Json, value as Json);
    else target[key] = structuredClone(value);
  }
  return target;
}

/** The gateway's bootstrap with the EnvoyFilter's patches applied. */
export function istioGatewayBootstrap(objects: readonly K8sObject[], listenerPort: number, adminPort: number): Json {
  const manager: Json = {
    '@type': `${ANY}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`,
    stat_prefix: `outbound_0.0.0.0_${listenerPort}`,
    route_config: { name: `http.${listenerPort}`, virtual_hosts: [{ name: 'blackhole:80', domains: ['*'], routes: [{ name: 'block_all', match: { prefix: '/' }, direct_response: { status: 404 } }] }] },
    http_filters: [
      { name: 'envoy.filters.http.cors', typed_config: { '@type': `${ANY}envoy.extensions.filters.http.cors.v3.Cors` } },
      { name: 'envoy.filters.http.router', typed_config: { '@type': `${ANY}envoy.extensions.filters.http.router.v3.Router` } },
    ],
  };
  const connectionManager: Json = { name: 'envoy.filters.network.http_connection_manager', typed_config: manager };
  const listener: Json = { name: `0.0.0.0_${listenerPort}`, address: { socket_address: { address: '127.0.0.1', port_value: listenerPort } }, filter_chains: [{ filters: [connectionManager] }] };
  const clusters: Json[] = [{ name: 'BlackHoleCluster', type: 'STATIC', connect_timeout: '10s' }];
  const [filter] = objects.filter((object) => object.kind === 'EnvoyFilter');
  for (const patch of (filter.spec as Json).configPatches as Array<{ applyTo: string; match: Json; patch: { operation: string; value: Json } }>) {
    if (patch.match.context !== 'GATEWAY') throw new Error(`patch for context ${String(patch.match.context)}`);
    const { operation, value } = patch.patch;
    const filters = manager.http_filters as Json[];
    const router = filters.findIndex((entry) => entry.name === 'envoy.filters.http.router');
    switch (`${patch.applyTo} ${operation}`) {
      case 'HTTP_FILTER INSERT_BEFORE':
        filters.splice(router, 0, structuredClone(value));
        break;
      case 'HTTP_FILTER MERGE':
        protoMerge(filters[router], value);
        break;
      case 'NETWORK_FILTER MERGE':
        protoMerge(connectionManager, value);
        break;
      case 'LISTENER MERGE':
        protoMerge(listener, value);
        break;
      case 'VIRTUAL_HOST ADD':
        ((manager.route_config as Json).virtual_hosts as Json[]).push(structuredClone(value));
        break;
      case 'CLUSTER ADD':
        clusters.push(structuredClone(value));
        break;
      default:
        throw new Error(`unexpected patch ${patch.applyTo} ${operation}`);
    }
  }
  return { admin: { address: { socket_address: { address: '127.0.0.1', port_value: adminPort } } }, static_resources: { listeners: [listener], clusters } };
}
