import { isIP } from 'node:net';
import type { Json } from '../config/render-envoy-clusters';
import { typed } from '../config/render-envoy-clusters';
import { renderEnvoyFragment } from '../config/render-envoy-fragment';
import type { RuntimeBackend, RuntimeConfig } from '../config/runtime';
import type { K8sObject, K8sOptions } from './k8s-objects';
import { DEFAULT_NAMESPACE, configMap, kubernetesName, objectMetadata } from './k8s-objects';

/**
 * `aigw render-k8s --target istio`: aigw in an Istio ingress gateway (Istio 1.30, whose API
 * types validate the output; the EnvoyFilter fields used have not changed since 1.20). One
 * EnvoyFilter carries aigw's fragment (render-envoy-fragment.ts) into the gateway's Envoy:
 * filters before the router, aigw's virtual host, clusters, local replies and access logs.
 * A Gateway opens the listener for aigw's host names; a ServiceEntry and DestinationRule
 * register each provider host with the mesh. docs/kubernetes-gateways.md is the guide.
 */

const NETWORKING_V1 = 'networking.istio.io/v1';
const CONNECTION_MANAGER = 'envoy.filters.network.http_connection_manager';

/** Options of the istio target. */
export interface IstioOptions extends K8sOptions {
  /** Labels selecting the gateway's pods (default `istio: ingressgateway`). */
  readonly selector?: Readonly<Record<string, string>>;
  /** The Gateway server port for aigw's host names (default 80). */
  readonly port?: number;
}

/** The patch's match, in the gateway context: aigw is in front of the model backends at the edge. */
function gatewayMatch(extra: Json = {}): Json {
  return { context: 'GATEWAY', ...extra };
}

const OF_CONNECTION_MANAGER = { filterChain: { filter: { name: CONNECTION_MANAGER } } };

/** The EnvoyFilter's patches, each from the fragment aigw renders for any existing Envoy. */
export function istioPatches(config: RuntimeConfig, gateway: string, domains: readonly string[]): Json[] {
  const fragment = renderEnvoyFragment(config, { domains: domains.flatMap((domain) => [domain, `${domain}:*`]) });
  const filters = (fragment.http_filters as Array<{ filter: Json }>).map((entry) => entry.filter);
  const router = { listener: { filterChain: { filter: { name: CONNECTION_MANAGER, subFilter: { name: 'envoy.filters.http.router' } } } } };
  return [
    // INSERT_BEFORE the router, one at a time: each lands after the previous one.
    ...filters.map((value) => ({ applyTo: 'HTTP_FILTER', match: gatewayMatch(router), patch: { operation: 'INSERT_BEFORE', value } })),
    { applyTo: 'HTTP_FILTER', match: gatewayMatch(router), patch: { operation: 'MERGE', value: { typed_config: typed('envoy.extensions.filters.http.router.v3.Router', fragment.router as Json) } } },
    {
      // Repeated fields are appended by a merge: aigw's mappers come after any the gateway has (it has none by default).
      applyTo: 'NETWORK_FILTER',
      match: gatewayMatch({ listener: OF_CONNECTION_MANAGER }),
      patch: {
        operation: 'MERGE',
        value: {
          typed_config: typed('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', { local_reply_config: fragment.local_reply_config, access_log: fragment.access_log }),
        },
      },
    },
    { applyTo: 'LISTENER', match: gatewayMatch({ listener: OF_CONNECTION_MANAGER }), patch: { operation: 'MERGE', value: fragment.listener } },
    { applyTo: 'VIRTUAL_HOST', match: gatewayMatch({ routeConfiguration: { gateway } }), patch: { operation: 'ADD', value: fragment.virtual_host } },
    ...(fragment.clusters as Json[]).map((value) => ({ applyTo: 'CLUSTER', match: gatewayMatch(), patch: { operation: 'ADD', value } })),
  ];
}

/** A host inside the cluster is already in Istio's registry. */
function inMesh(host: string): boolean {
  return /\.svc(\.cluster\.local)?$/.test(host);
}

/**
 * A provider host in the mesh's registry, so a mesh with `outboundTrafficPolicy: REGISTRY_ONLY`,
 * an egress gateway or an AuthorizationPolicy knows it. An https backend gets two ports, as in
 * Istio's TLS-origination pattern: its TLS port (aigw's own clusters speak TLS on it), and port
 * 80 for plain HTTP from inside the mesh, which the DestinationRule turns into TLS on the way out.
 */
function serviceEntry(backend: RuntimeBackend, namespace: string): K8sObject {
  const ip = isIP(backend.address) !== 0;
  const ports = backend.tls
    ? [{ number: backend.connectPort, name: 'https', protocol: 'HTTPS' }, ...(originates(backend) ? [{ number: 80, name: 'http-tls-origination', protocol: 'HTTP', targetPort: backend.connectPort }] : [])]
    : [{ number: backend.connectPort, name: 'http', protocol: 'HTTP' }];
  return {
    apiVersion: NETWORKING_V1,
    kind: 'ServiceEntry',
    metadata: objectMetadata(kubernetesName('aigw-backend', backend.name), namespace, { 'aigw.io/backend': backend.name }),
    spec: {
      hosts: [backend.host],
      ...(ip ? { addresses: [backend.address] } : {}),
      location: 'MESH_EXTERNAL',
      ports,
      resolution: ip ? 'STATIC' : 'DNS',
      ...(ip ? { endpoints: [{ address: backend.address }] } : {}),
    },
  };
}

/** Whether the ServiceEntry gets a plain HTTP port 80 whose traffic the DestinationRule sends on as TLS. */
function originates(backend: RuntimeBackend): boolean {
  return backend.tls && backend.connectPort !== 80;
}

/** TLS origination for the ServiceEntry's plain HTTP port: the provider's SNI and the system CAs. */
function destinationRule(backend: RuntimeBackend, namespace: string): K8sObject {
  const sni = isIP(backend.serverName) === 0 ? { sni: backend.serverName } : {};
  return {
    apiVersion: NETWORKING_V1,
    kind: 'DestinationRule',
    metadata: objectMetadata(kubernetesName('aigw-backend', backend.name), namespace, { 'aigw.io/backend': backend.name }),
    spec: {
      host: backend.host,
      trafficPolicy: { portLevelSettings: [{ port: { number: 80 }, tls: { mode: 'SIMPLE', ...sni } }] },
    },
  };
}

/** Every object of the istio target. */
export function renderIstio(config: RuntimeConfig, options: IstioOptions = {}): K8sObject[] {
  const namespace = options.namespace ?? DEFAULT_NAMESPACE;
  const domains = options.domains && options.domains.length > 0 ? options.domains : ['*'];
  const selector = { ...(options.selector ?? { istio: 'ingressgateway' }) };
  const backends = [...config.backends.values()].filter((backend) => !inMesh(backend.host));
  return [
    ...(options.configText !== undefined ? [configMap(namespace, options.configText)] : []),
    {
      apiVersion: NETWORKING_V1,
      kind: 'Gateway',
      metadata: objectMetadata('aigw', namespace),
      spec: { selector, servers: [{ port: { number: options.port ?? 80, name: 'http-aigw', protocol: 'HTTP' }, hosts: [...domains] }] },
    },
    {
      apiVersion: 'networking.istio.io/v1alpha3',
      kind: 'EnvoyFilter',
      metadata: objectMetadata('aigw', namespace),
      spec: { workloadSelector: { labels: selector }, configPatches: istioPatches(config, `${namespace}/aigw`, domains) },
    },
    ...backends.map((backend) => serviceEntry(backend, namespace)),
    ...backends.filter(originates).map((backend) => destinationRule(backend, namespace)),
  ];
}
