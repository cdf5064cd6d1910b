import { isIP } from 'node:net';
import type { Json } from '../config/render-envoy-clusters';
import { EXTPROC_STREAMS_PER_CONNECTION } from '../config/render-envoy-clusters';
import { bufferLimitBytes, connectionManagerSettings } from '../config/render-envoy';
import { renderEnvoyFragment } from '../config/render-envoy-fragment';
import type { RuntimeBackend, RuntimeConfig } from '../config/runtime';
import { envoyGatewayPatches, MODEL_CALL_PATHS } from './envoy-gateway-patches';
import type { GatewayNames } from './envoy-gateway-patches';
import type { K8sObject, K8sOptions } from './k8s-objects';
import { CONFIG_MAP_NAME, CONFIG_MOUNT_PATH, CREDENTIALS_SECRET_NAME, DEFAULT_IMAGE, DEFAULT_NAMESPACE, configMap, kubernetesName, objectMetadata, socketDirectory } from './k8s-objects';

/**
 * `aigw render-k8s --target envoy-gateway`: the Gateway API and Envoy Gateway (v1.6) objects
 * that put aigw in front of the model backends on an existing Envoy Gateway install. What a
 * resource can say is said by that resource (HTTPRoute, Backend, EnvoyExtensionPolicy,
 * ClientTrafficPolicy, EnvoyProxy); the rest is one EnvoyPatchPolicy
 * (envoy-gateway-patches.ts). docs/kubernetes-gateways.md is the guide.
 */

export const GATEWAY_GROUP = 'gateway.networking.k8s.io';
export const EG_GROUP = 'gateway.envoyproxy.io';
const EG_VERSION = `${EG_GROUP}/v1alpha1`;
const GATEWAY_VERSION = `${GATEWAY_GROUP}/v1`;

/** Options of the envoy-gateway target. */
export interface EnvoyGatewayOptions extends K8sOptions {
  /** The Gateway aigw's routes attach to (default `eg`, in the same namespace). */
  readonly gateway?: string;
  /** The Gateway's HTTP listener, by name (default `http`). */
  readonly listener?: string;
}

/** Names of the rendered objects; the patches find Envoy Gateway's xDS by them. */
export function gatewayNames(options: EnvoyGatewayOptions): GatewayNames {
  return {
    namespace: options.namespace ?? DEFAULT_NAMESPACE,
    gateway: options.gateway ?? 'eg',
    listener: options.listener ?? 'http',
    entryRoute: 'aigw',
    mcpRoute: 'aigw-mcp',
    extensionPolicy: 'aigw',
    modelRoute: (index) => `aigw-model-${index}`,
  };
}

/** The Backend of one provider backend: its host and port, and TLS (SNI, the system CAs) when its baseUrl is https. */
function providerBackend(backend: RuntimeBackend, namespace: string): K8sObject {
  const endpoint = isIP(backend.address) !== 0 ? { ip: { address: backend.address, port: backend.connectPort } } : { fqdn: { hostname: backend.address, port: backend.connectPort } };
  const sni = backend.tls && isIP(backend.serverName) === 0 ? { sni: backend.serverName } : {};
  return {
    apiVersion: EG_VERSION,
    kind: 'Backend',
    metadata: objectMetadata(kubernetesName('aigw-backend', backend.name), namespace, { 'aigw.io/backend': backend.name }),
    spec: { endpoints: [endpoint], ...(backend.tls ? { tls: { ...sni, wellKnownCACertificates: 'System' } } : {}) },
  };
}

/** A Backend for one of aigw's own servers in the Envoy pod (a Unix socket, or a TCP address). */
function aigwBackend(name: string, target: string, namespace: string): K8sObject {
  const unix = target.startsWith('unix:');
  const [, host, port] = /^\[?([^\]]*?)\]?:(\d+)$/.exec(target) ?? [];
  const endpoint = unix ? { unix: { path: target.slice('unix:'.length) } } : isIP(host) !== 0 ? { ip: { address: host, port: Number(port) } } : { fqdn: { hostname: host, port: Number(port) } };
  return { apiVersion: EG_VERSION, kind: 'Backend', metadata: objectMetadata(name, namespace), spec: { endpoints: [endpoint] } };
}

function parentRefs(names: GatewayNames): Json[] {
  return [{ group: GATEWAY_GROUP, kind: 'Gateway', name: names.gateway, sectionName: names.listener }];
}

function hostnames(options: EnvoyGatewayOptions): Json {
  return options.domains && options.domains.length > 0 ? { hostnames: [...options.domains] } : {};
}

/** The route every model call starts on (aigw reads its body there), and GET /v1/models. */
function entryRoute(names: GatewayNames, options: EnvoyGatewayOptions): K8sObject {
  return {
    apiVersion: GATEWAY_VERSION,
    kind: 'HTTPRoute',
    metadata: objectMetadata(names.entryRoute, names.namespace),
    spec: {
      parentRefs: parentRefs(names),
      ...hostnames(options),
      rules: [
        { matches: MODEL_CALL_PATHS.map((path) => ({ path: { type: 'Exact', value: path }, method: 'POST' })) },
        { matches: [{ path: { type: 'Exact', value: '/v1/models' }, method: 'GET' }] },
      ],
    },
  };
}

/**
 * One model's route, naming its Backends (so Envoy Gateway resolves them and reports their
 * status). The EnvoyPatchPolicy replaces the xDS route Envoy Gateway generates from it whole:
 * matched on the model aigw names in dynamic metadata once it has read the body (no HTTPRoute
 * match can say that), sent to aigw's cluster for the model. Whole, because what Envoy
 * Gateway generates depends on the Backends (one cluster; weighted clusters when host names
 * and IPs mix; a 500 when a Backend is refused, such as a loopback IP). The placeholder match
 * is a path aigw answers 404 to.
 */
function modelRoute(config: RuntimeConfig, index: number, names: GatewayNames, options: EnvoyGatewayOptions): K8sObject {
  const model = [...config.models.values()][index];
  return {
    apiVersion: GATEWAY_VERSION,
    kind: 'HTTPRoute',
    metadata: objectMetadata(names.modelRoute(index), names.namespace, { 'aigw.io/model': model.name }),
    spec: {
      parentRefs: parentRefs(names),
      ...hostnames(options),
      rules: [
        {
          matches: [{ path: { type: 'Exact', value: `/aigw-model/${index}` }, method: 'POST' }],
          backendRefs: model.backends.map((entry) => ({ group: EG_GROUP, kind: 'Backend', name: kubernetesName('aigw-backend', entry.backend.name), port: entry.backend.connectPort })),
        },
      ],
    },
  };
}

/**
 * The attributes an EnvoyExtensionPolicy accepts (its CRD's pattern: a name, no index), so not
 * `request.headers['authorization']`; the patch sets the whole list.
 */
export const EXTENSION_POLICY_ATTRIBUTE = /^(connection\.|source\.|destination\.|request\.|response\.|upstream\.|xds\.route_)[a-z_1-9]*$/;

function resourceAttributes(attributes: readonly string[]): string[] {
  return attributes.filter((attribute) => EXTENSION_POLICY_ATTRIBUTE.test(attribute));
}

/** aigw's router-level ext_proc, on the entry and model routes: what EnvoyExtensionPolicy can say of it. */
function extensionPolicy(config: RuntimeConfig, names: GatewayNames, fragment: Json): K8sObject {
  const filter = (fragment.http_filters as Array<{ filter: Json }>).map((entry) => entry.filter).find((entry) => entry.name === 'aigw.ext_proc');
  const extproc = filter?.typed_config as Json;
  const metadata = extproc.metadata_options as { forwarding_namespaces: { untyped: string[] }; receiving_namespaces: { untyped: string[] } };
  return {
    apiVersion: EG_VERSION,
    kind: 'EnvoyExtensionPolicy',
    metadata: objectMetadata(names.extensionPolicy, names.namespace),
    spec: {
      targetRefs: [names.entryRoute, ...[...config.models.keys()].map((_name, index) => names.modelRoute(index))].map((name) => ({ group: GATEWAY_GROUP, kind: 'HTTPRoute', name })),
      extProc: [
        {
          backendRefs: [{ group: EG_GROUP, kind: 'Backend', name: 'aigw-extproc' }],
          // As aigw's own aigw_extproc cluster: a stream or two per request, so no low caps; and a
          // fresh connection every 500 streams (aigw's gRPC server drops connections that saw
          // many stream resets).
          backendSettings: {
            circuitBreaker: { maxConnections: 100000, maxPendingRequests: 100000, maxParallelRequests: 100000, maxRequestsPerConnection: EXTPROC_STREAMS_PER_CONNECTION },
            timeout: { tcp: { connectTimeout: '1s' } },
          },
          messageTimeout: extproc.message_timeout,
          failOpen: extproc.failure_mode_allow,
          processingMode: {
            request: { body: 'Buffered', attributes: resourceAttributes(extproc.request_attributes as string[]) },
            response: { body: 'Streamed', attributes: resourceAttributes(extproc.response_attributes as string[]) },
          },
          metadata: { accessibleNamespaces: metadata.forwarding_namespaces.untyped, writableNamespaces: metadata.receiving_namespaces.untyped },
        },
      ],
    },
  };
}

/** The listener's buffer and the request's receive timeout, as aigw's own listener has them. */
function clientPolicy(config: RuntimeConfig, names: GatewayNames): K8sObject {
  const settings = connectionManagerSettings(config);
  return {
    apiVersion: EG_VERSION,
    kind: 'ClientTrafficPolicy',
    metadata: objectMetadata('aigw', names.namespace),
    spec: {
      targetRefs: [{ group: GATEWAY_GROUP, kind: 'Gateway', name: names.gateway, sectionName: names.listener }],
      connection: { bufferLimit: String(bufferLimitBytes(config)) },
      timeout: { http: { requestReceivedTimeout: settings.request_timeout } },
    },
  };
}

/**
 * aigw beside Envoy in each Envoy Gateway proxy pod: both ext_proc filters of one request must
 * reach the same aigw process, so aigw cannot be a Service of its own. The socket directory is
 * shared; aigw runs as Envoy's user (65532), since its socket is owner-only. The bootstrap
 * patch turns on graceful ext_proc stream closes, as aigw's own bootstrap does.
 */
function envoyProxy(config: RuntimeConfig, names: GatewayNames, options: EnvoyGatewayOptions): K8sObject {
  const target = config.source.envoy.extprocTarget ?? config.source.server.grpc[0];
  const socketDir = socketDirectory(target);
  const socketMount = socketDir ? [{ name: 'aigw-socket', mountPath: socketDir }] : [];
  const container = {
    name: 'aigw',
    image: options.image ?? DEFAULT_IMAGE,
    args: ['serve', '--config', `${CONFIG_MOUNT_PATH}/aigw.yaml`],
    envFrom: [{ secretRef: { name: CREDENTIALS_SECRET_NAME, optional: true } }],
    volumeMounts: [...socketMount, { name: 'aigw-config', mountPath: CONFIG_MOUNT_PATH, readOnly: true }],
    securityContext: { runAsUser: 65532, runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
  };
  return {
    apiVersion: EG_VERSION,
    kind: 'EnvoyProxy',
    metadata: objectMetadata('aigw', names.namespace),
    spec: {
      bootstrap: { type: 'JSONPatch', jsonPatches: [{ op: 'add', path: '/layered_runtime/layers/0/static_layer/envoy.reloadable_features.ext_proc_graceful_grpc_close', value: true }] },
      provider: {
        type: 'Kubernetes',
        kubernetes: {
          envoyDeployment: {
            container: { volumeMounts: socketMount },
            pod: { volumes: [...(socketDir ? [{ name: 'aigw-socket', emptyDir: {} }] : []), { name: 'aigw-config', configMap: { name: CONFIG_MAP_NAME } }] },
            patch: { type: 'StrategicMerge', value: { spec: { template: { spec: { containers: [container] } } } } },
          },
        },
      },
    },
  };
}

/**
 * MCP: `/mcp` and the OAuth metadata path, to aigw's MCP listener in the pod. The route has no
 * Backend (Envoy Gateway refuses a loopback IP in one); the EnvoyPatchPolicy sends it to aigw's
 * `aigw_mcp` cluster, as aigw's own listener does.
 */
function mcpRoute(config: RuntimeConfig, names: GatewayNames, options: EnvoyGatewayOptions): K8sObject[] {
  if (!config.mcp) return [];
  return [
    {
      apiVersion: GATEWAY_VERSION,
      kind: 'HTTPRoute',
      metadata: objectMetadata(names.mcpRoute, names.namespace),
      spec: {
        parentRefs: parentRefs(names),
        ...hostnames(options),
        rules: [{ matches: [{ path: { type: 'Exact', value: '/mcp' } }] }, { matches: [{ path: { type: 'PathPrefix', value: '/.well-known/oauth-protected-resource' } }] }],
      },
    },
  ];
}

/** Envoy Gateway on Kubernetes refuses a loopback address in a Backend (only its Host infrastructure allows one). */
function refuseLoopback(target: string): void {
  const [, host] = /^\[?([^\]]*?)\]?:(\d+)$/.exec(target) ?? [];
  if (host === 'localhost' || /^127\./.test(host ?? '') || host === '::1') {
    throw new Error(`envoy-gateway: aigw's gRPC address ${target} is a loopback address, which Envoy Gateway refuses in a Backend; use a Unix socket (server.grpc: [unix:/tmp/aigw/extproc.sock], the default)`);
  }
}

/** Every object of the envoy-gateway target, in the order `kubectl apply` should see them. */
export function renderEnvoyGateway(config: RuntimeConfig, options: EnvoyGatewayOptions = {}): K8sObject[] {
  const names = gatewayNames(options);
  const target = config.source.envoy.extprocTarget ?? config.source.server.grpc[0];
  if (!target.startsWith('unix:')) refuseLoopback(target);
  const fragment = renderEnvoyFragment(config, { extprocTarget: target });
  const indexes = [...config.models.keys()].map((_name, index) => index);
  return [
    ...(options.configText !== undefined ? [configMap(names.namespace, options.configText)] : []),
    envoyProxy(config, names, options),
    aigwBackend('aigw-extproc', target, names.namespace),
    ...[...config.backends.values()].map((backend) => providerBackend(backend, names.namespace)),
    entryRoute(names, options),
    ...indexes.map((index) => modelRoute(config, index, names, options)),
    ...mcpRoute(config, names, options),
    extensionPolicy(config, names, fragment),
    clientPolicy(config, names),
    {
      apiVersion: EG_VERSION,
      kind: 'EnvoyPatchPolicy',
      metadata: objectMetadata('aigw', names.namespace),
      spec: { targetRef: { group: GATEWAY_GROUP, kind: 'Gateway', name: names.gateway }, type: 'JSONPatch', jsonPatches: envoyGatewayPatches(config, names, target) },
    },
  ];
}
