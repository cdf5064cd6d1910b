import { parseAllDocuments } from 'yaml';
import { validateConfig } from '../config/load';
import { compileConfig } from '../config/runtime';
import { MODEL_CALL_PATHS as AIGW_MODEL_CALL_PATHS } from '../config/render-envoy-routes';
import { MODEL_CALL_PATHS } from './envoy-gateway-patches';
import { kubernetesName, socketDirectory } from './k8s-objects';
import { renderK8s, renderK8sYaml } from './render-k8s';

type Json = Record<string, unknown>;

const CONFIG = compileConfig(
  validateConfig({
    backends: [
      { name: 'openai', kind: 'openai', baseUrl: 'https://api.openai.com/v1' },
      { name: 'vllm_local', kind: 'openai', baseUrl: 'http://vllm.models.svc.cluster.local:8000/v1' },
      { name: 'lab', kind: 'openai', baseUrl: 'http://10.1.2.3:8080/v1' },
    ],
    models: [
      { name: 'gpt-4o-mini', retries: 2, backends: [{ backend: 'vllm_local' }, { backend: 'openai', priority: 1 }] },
      { name: 'lab-model', backends: [{ backend: 'lab' }] },
    ],
  }),
  {},
);
const LIMITED = compileConfig(
  validateConfig({
    backends: [{ name: 'openai', kind: 'openai', baseUrl: 'https://api.openai.com/v1' }],
    models: [{ name: 'gpt', backends: [{ backend: 'openai' }] }],
    rateLimits: { budgets: [{ per: 'team', usd: 1, window: 'month' }] },
    mcp: { servers: [{ name: 'docs', url: 'http://docs.internal/mcp' }], sessionSecret: { env: 'S' } },
  }),
  { S: 'session-secret-of-the-test-32-bytes-long' },
);

function byKindAndName(objects: ReturnType<typeof renderK8s>, kind: string, name: string): Json {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found as unknown as Json;
}

describe('kubernetesName', () => {
  test('keeps a name that is already a DNS label, and marks one it had to change with a hash', () => {
    expect(kubernetesName('aigw-backend', 'openai')).toBe('aigw-backend-openai');
    expect(kubernetesName('aigw-backend', 'vllm_local')).toMatch(/^aigw-backend-vllm-local-[0-9a-f]{6}$/);
    expect(kubernetesName('aigw-backend', 'a_b')).not.toBe(kubernetesName('aigw-backend', 'a-b'));
    expect(kubernetesName('aigw-backend', 'x'.repeat(100))).toHaveLength(63);
  });

  test('socketDirectory is the directory of a unix: target, undefined for TCP', () => {
    expect(socketDirectory('unix:/tmp/aigw/extproc.sock')).toBe('/tmp/aigw');
    expect(socketDirectory('127.0.0.1:50051')).toBeUndefined();
  });
});

describe('renderK8s envoy-gateway', () => {
  const objects = renderK8s(CONFIG, 'envoy-gateway', { namespace: 'ai', gateway: 'edge', listener: 'web', image: 'registry.example/aigw:1' });

  test('objects in apply order, without a ConfigMap when no config text is given', () => {
    expect(objects.map((object) => `${object.kind}/${object.metadata.name as string}`)).toEqual([
      'EnvoyProxy/aigw',
      'Backend/aigw-extproc',
      'Backend/aigw-backend-openai',
      `Backend/${kubernetesName('aigw-backend', 'vllm_local')}`,
      'Backend/aigw-backend-lab',
      'HTTPRoute/aigw',
      'HTTPRoute/aigw-model-0',
      'HTTPRoute/aigw-model-1',
      'EnvoyExtensionPolicy/aigw',
      'ClientTrafficPolicy/aigw',
      'EnvoyPatchPolicy/aigw',
    ]);
    expect(new Set(objects.map((object) => object.metadata.namespace))).toEqual(new Set(['ai']));
  });

  test('Backends: an https host with its SNI and the system CAs, an IP without TLS, aigw\'s socket', () => {
    expect(byKindAndName(objects, 'Backend', 'aigw-backend-openai').spec).toEqual({
      endpoints: [{ fqdn: { hostname: 'api.openai.com', port: 443 } }],
      tls: { sni: 'api.openai.com', wellKnownCACertificates: 'System' },
    });
    expect(byKindAndName(objects, 'Backend', 'aigw-backend-lab').spec).toEqual({ endpoints: [{ ip: { address: '10.1.2.3', port: 8080 } }] });
    expect(byKindAndName(objects, 'Backend', 'aigw-extproc').spec).toEqual({ endpoints: [{ unix: { path: '/tmp/aigw/extproc.sock' } }] });
  });

  test('a model\'s HTTPRoute: a placeholder match and its backends (the patch replaces the route Envoy Gateway makes of it)', () => {
    expect(byKindAndName(objects, 'HTTPRoute', 'aigw-model-0').spec).toEqual({
      parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'edge', sectionName: 'web' }],
      rules: [
        {
          matches: [{ path: { type: 'Exact', value: '/aigw-model/0' }, method: 'POST' }],
          backendRefs: [
            { group: 'gateway.envoyproxy.io', kind: 'Backend', name: kubernetesName('aigw-backend', 'vllm_local'), port: 8000 },
            { group: 'gateway.envoyproxy.io', kind: 'Backend', name: 'aigw-backend-openai', port: 443 },
          ],
        },
      ],
    });
    const patches = (byKindAndName(objects, 'EnvoyPatchPolicy', 'aigw').spec as Json).jsonPatches as Array<{ operation: Json }>;
    const model = patches.find((patch) => String(patch.operation.jsonPath).includes('/aigw-model-0/'))?.operation as Json;
    expect([model.op, model.path, model.jsonPath]).toEqual(['replace', '', "..routes[?(@.name =~ '^httproute/ai/aigw-model-0/rule/0/match/0/')]"]);
    const route = (model.value as Json).route as Json;
    expect([route.cluster, route.timeout, (route.retry_policy as Json).num_retries, ((route.retry_policy as Json).retry_priority as Json).name]).toEqual([
      'model_0_gpt-4o-mini',
      `${CONFIG.limits.requestTimeoutSeconds}s`,
      2,
      'envoy.retry_priorities.previous_priorities',
    ]);
  });

  test('the EnvoyExtensionPolicy says what aigw\'s ext_proc filter says, where a resource can say it', () => {
    const spec = byKindAndName(objects, 'EnvoyExtensionPolicy', 'aigw').spec as Json;
    expect((spec.targetRefs as Json[]).map((ref) => ref.name)).toEqual(['aigw', 'aigw-model-0', 'aigw-model-1']);
    expect(spec.extProc).toEqual([
      {
        backendRefs: [{ group: 'gateway.envoyproxy.io', kind: 'Backend', name: 'aigw-extproc' }],
        backendSettings: {
          circuitBreaker: { maxConnections: 100000, maxPendingRequests: 100000, maxParallelRequests: 100000, maxRequestsPerConnection: 500 },
          timeout: { tcp: { connectTimeout: '1s' } },
        },
        messageTimeout: '5s',
        failOpen: false,
        processingMode: { request: { body: 'Buffered', attributes: ['request.path', 'request.method'] }, response: { body: 'Streamed', attributes: ['response.code'] } },
        metadata: { accessibleNamespaces: ['io.aigw.response'], writableNamespaces: ['io.aigw', 'io.aigw.lua', 'io.aigw.upstream'] },
      },
    ]);
  });

  test('EnvoyProxy runs aigw beside Envoy, sharing the socket directory, as Envoy\'s user', () => {
    const kubernetes = ((byKindAndName(objects, 'EnvoyProxy', 'aigw').spec as Json).provider as Json).kubernetes as Json;
    const deployment = kubernetes.envoyDeployment as Json;
    expect(deployment.container).toEqual({ volumeMounts: [{ name: 'aigw-socket', mountPath: '/tmp/aigw' }] });
    expect(deployment.pod).toEqual({ volumes: [{ name: 'aigw-socket', emptyDir: {} }, { name: 'aigw-config', configMap: { name: 'aigw-config' } }] });
    const container = ((((deployment.patch as Json).value as Json).spec as Json).template as Json).spec as Json;
    expect(container.containers).toEqual([
      {
        name: 'aigw',
        image: 'registry.example/aigw:1',
        args: ['serve', '--config', '/etc/aigw/aigw.yaml'],
        envFrom: [{ secretRef: { name: 'aigw-credentials', optional: true } }],
        volumeMounts: [
          { name: 'aigw-socket', mountPath: '/tmp/aigw' },
          { name: 'aigw-config', mountPath: '/etc/aigw', readOnly: true },
        ],
        securityContext: { runAsUser: 65532, runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
      },
    ]);
  });

  test('the EnvoyPatchPolicy targets the Gateway and adds aigw\'s clusters first', () => {
    const spec = byKindAndName(objects, 'EnvoyPatchPolicy', 'aigw').spec as Json;
    expect(spec.targetRef).toEqual({ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'edge' });
    const patches = spec.jsonPatches as Array<{ type: string; name: string; operation: Json }>;
    expect(patches.slice(0, 3).map((patch) => [patch.name, patch.operation.op, patch.operation.path])).toEqual([
      ['aigw_extproc', 'add', ''],
      ['model_0_gpt-4o-mini', 'add', ''],
      ['model_1_lab-model', 'add', ''],
    ]);
    expect(new Set(patches.slice(3).map((patch) => patch.name))).toEqual(new Set(['ai/edge/web']));
    // No rate limits configured: no aigw.ratelimit filter.
    expect(JSON.stringify(patches)).not.toContain('aigw.ratelimit');
  });

  test('with rate limits and MCP: the ratelimit filter is inserted; MCP\'s HTTPRoute is sent to aigw_mcp', () => {
    const limited = renderK8s(LIMITED, 'envoy-gateway', {});
    const patches = (byKindAndName(limited, 'EnvoyPatchPolicy', 'aigw').spec as Json).jsonPatches as Array<{ operation: Json }>;
    expect(patches.filter((patch) => (patch.operation.value as Json | undefined)?.name === 'aigw.ratelimit')).toHaveLength(1);
    expect(limited.some((object) => object.kind === 'Backend' && object.metadata.name === 'aigw-mcp')).toBe(false);
    expect((byKindAndName(limited, 'HTTPRoute', 'aigw-mcp').spec as Json).rules).toEqual([
      { matches: [{ path: { type: 'Exact', value: '/mcp' } }] },
      { matches: [{ path: { type: 'PathPrefix', value: '/.well-known/oauth-protected-resource' } }] },
    ]);
    const mcp = patches.filter((patch) => String(patch.operation.jsonPath).includes('/aigw-mcp/')).map((patch) => patch.operation.value as Json);
    expect(mcp.map((value) => [value.name, (value.route as Json).cluster, (value.route as Json).timeout])).toEqual([
      ['aigw.mcp.0', 'aigw_mcp', '0s'],
      ['aigw.mcp.1', 'aigw_mcp', '10s'],
    ]);
  });
});

test('renderK8s envoy-gateway refuses a loopback TCP address for aigw\'s gRPC server (Envoy Gateway would refuse its Backend)', () => {
  const tcp = compileConfig(
    validateConfig({
      backends: [{ name: 'openai', kind: 'openai', baseUrl: 'https://api.openai.com/v1' }],
      models: [{ name: 'gpt', backends: [{ backend: 'openai' }] }],
      server: { grpc: ['127.0.0.1:50051'], grpcTls: { certFile: '/c', keyFile: '/k', caFile: '/ca' } },
    }),
    {},
  );
  expect(() => renderK8s(tcp, 'envoy-gateway', {})).toThrow(
    "envoy-gateway: aigw's gRPC address 127.0.0.1:50051 is a loopback address, which Envoy Gateway refuses in a Backend; use a Unix socket (server.grpc: [unix:/tmp/aigw/extproc.sock], the default)",
  );
});

test('the entry HTTPRoute\'s paths are the model-call paths of aigw\'s own routes, every one of them', () => {
  const own = new RegExp(AIGW_MODEL_CALL_PATHS);
  expect(MODEL_CALL_PATHS.filter((path) => !own.test(path))).toEqual([]);
  // Each alternative of aigw's own pattern, spelt out: a path added there must be added here.
  const spelt = ['/v1/chat/completions', '/v1/completions', '/v1/embeddings', '/v1/responses', '/v1/messages', '/anthropic/v1/messages'];
  expect(AIGW_MODEL_CALL_PATHS).toBe('^(/v1/(chat/completions|completions|embeddings|responses)|(/anthropic)?/v1/messages)/*$');
  expect([...MODEL_CALL_PATHS].sort()).toEqual(spelt.sort());
});

describe('renderK8s istio', () => {
  const objects = renderK8s(CONFIG, 'istio', { namespace: 'ai', domains: ['ai.example.com'] });

  test('a Gateway, one EnvoyFilter, and a ServiceEntry per provider host outside the cluster (a DestinationRule for https ones)', () => {
    expect(objects.map((object) => `${object.kind}/${object.metadata.name as string}`)).toEqual([
      'Gateway/aigw',
      'EnvoyFilter/aigw',
      'ServiceEntry/aigw-backend-openai',
      'ServiceEntry/aigw-backend-lab',
      'DestinationRule/aigw-backend-openai',
    ]);
    expect(byKindAndName(objects, 'Gateway', 'aigw').spec).toEqual({
      selector: { istio: 'ingressgateway' },
      servers: [{ port: { number: 80, name: 'http-aigw', protocol: 'HTTP' }, hosts: ['ai.example.com'] }],
    });
  });

  test('the EnvoyFilter: aigw\'s filters before the router, the router setting, local replies and logs, the buffer, the virtual host, the clusters', () => {
    const spec = byKindAndName(objects, 'EnvoyFilter', 'aigw').spec as Json;
    expect(spec.workloadSelector).toEqual({ labels: { istio: 'ingressgateway' } });
    const patches = spec.configPatches as Array<{ applyTo: string; match: Json; patch: { operation: string; value: Json } }>;
    expect(patches.map((patch) => `${patch.applyTo} ${patch.patch.operation} ${(patch.patch.value.name as string | undefined) ?? ''}`.trim())).toEqual([
      'HTTP_FILTER INSERT_BEFORE aigw.lua.response',
      'HTTP_FILTER INSERT_BEFORE aigw.ext_proc',
      'HTTP_FILTER INSERT_BEFORE aigw.buffer',
      'HTTP_FILTER INSERT_BEFORE aigw.lua.request',
      'HTTP_FILTER MERGE',
      'NETWORK_FILTER MERGE',
      'LISTENER MERGE',
      'VIRTUAL_HOST ADD aigw',
      'CLUSTER ADD aigw_extproc',
      'CLUSTER ADD model_0_gpt-4o-mini',
      'CLUSTER ADD model_1_lab-model',
    ]);
    expect(patches[0].match).toEqual({
      context: 'GATEWAY',
      listener: { filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager', subFilter: { name: 'envoy.filters.http.router' } } } },
    });
    expect(patches[7].match).toEqual({ context: 'GATEWAY', routeConfiguration: { gateway: 'ai/aigw' } });
    expect(patches[7].patch.value.domains).toEqual(['ai.example.com', 'ai.example.com:*']);
  });

  test('ServiceEntry and DestinationRule: TLS origination for in-mesh HTTP, the provider\'s own TLS port, an IP as a static endpoint', () => {
    expect(byKindAndName(objects, 'ServiceEntry', 'aigw-backend-openai').spec).toEqual({
      hosts: ['api.openai.com'],
      location: 'MESH_EXTERNAL',
      ports: [
        { number: 443, name: 'https', protocol: 'HTTPS' },
        { number: 80, name: 'http-tls-origination', protocol: 'HTTP', targetPort: 443 },
      ],
      resolution: 'DNS',
    });
    expect(byKindAndName(objects, 'DestinationRule', 'aigw-backend-openai').spec).toEqual({
      host: 'api.openai.com',
      trafficPolicy: { portLevelSettings: [{ port: { number: 80 }, tls: { mode: 'SIMPLE', sni: 'api.openai.com' } }] },
    });
    expect(byKindAndName(objects, 'ServiceEntry', 'aigw-backend-lab').spec).toEqual({
      hosts: ['10.1.2.3'],
      addresses: ['10.1.2.3'],
      location: 'MESH_EXTERNAL',
      ports: [{ number: 8080, name: 'http', protocol: 'HTTP' }],
      resolution: 'STATIC',
      endpoints: [{ address: '10.1.2.3' }],
    });
  });

  test('renderK8sYaml: a header, then one document per object', () => {
    const text = renderK8sYaml(CONFIG, 'istio', { domains: ['ai.example.com'] }, 'aigw render-k8s aigw.yaml --target istio');
    expect(text.split('\n')[0]).toBe('# Rendered by `aigw render-k8s aigw.yaml --target istio` (docs/kubernetes-gateways.md). Do not edit: change the aigw config and render again.');
    const documents = parseAllDocuments(text).map((document) => document.toJS() as Json | null);
    expect(documents.filter((document) => document !== null).map((document) => document?.kind)).toEqual(['Gateway', 'EnvoyFilter', 'ServiceEntry', 'ServiceEntry', 'DestinationRule']);
  });
});
