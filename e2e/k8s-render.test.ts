import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { loadConfigFile, validateConfig } from '../src/config/load';
import { renderEnvoyFragment } from '../src/config/render-envoy-fragment';
import { compileConfig } from '../src/config/runtime';
import { findEnvoy } from '../src/envoy-binary';
import { gatewayNames } from '../src/k8s/envoy-gateway';
import { renderK8s, renderK8sYaml } from '../src/k8s/render-k8s';
import { describeE2E } from './harness';
import { bootstrapFromDump } from './k8s-egctl-dump';
import { envoyGatewayBootstrap } from './k8s-gateway-xds';
import { istioGatewayBootstrap } from './k8s-istio-xds';

type Json = Record<string, unknown>;

const ROOT = resolve(__dirname, '..');
const CLI = join(ROOT, 'dist', 'src', 'cli.js');
const VALIDATOR_MODULE = join(ROOT, 'deploy', 'k8s-validate');

/** Every kind of backend address and every piece of aigw that reaches Envoy: TLS, plain HTTP in the cluster, an IP, priorities, rate limits, MCP. */
const CONFIG = compileConfig(
  validateConfig({
    backends: [
      { name: 'openai', kind: 'openai', baseUrl: 'https://api.openai.com/v1', credential: { env: 'OPENAI_KEY' } },
      { name: 'claude', kind: 'anthropic', baseUrl: 'https://api.anthropic.com', credential: { env: 'ANTHROPIC_KEY' } },
      { name: 'vllm_local', kind: 'openai', baseUrl: 'http://vllm.models.svc.cluster.local:8000/v1' },
      { name: 'lab', kind: 'openai', baseUrl: 'http://10.1.2.3:8080/v1' },
    ],
    models: [
      { name: 'gpt-4o-mini', backends: [{ backend: 'vllm_local' }, { backend: 'openai', priority: 1 }, { backend: 'lab', priority: 2 }] },
      { name: 'claude-sonnet', backends: [{ backend: 'claude', model: 'claude-sonnet-4-5' }] },
    ],
    rateLimits: { budgets: [{ per: 'team', usd: 1, window: 'month' }] },
    mcp: { servers: [{ name: 'docs', url: 'http://docs.internal/mcp' }], sessionSecret: { env: 'S' } },
  }),
  { S: 'session-secret-of-the-test-32-bytes-long', OPENAI_KEY: 'k1', ANTHROPIC_KEY: 'k2' },
);

const NAMES = gatewayNames({ namespace: 'ai' });
const EG_OBJECTS = renderK8s(CONFIG, 'envoy-gateway', { namespace: 'ai', configText: 'models: []\n' });
const ISTIO_OBJECTS = renderK8s(CONFIG, 'istio', { namespace: 'ai', domains: ['ai.example.com'] });

function envoyValidate(dir: string, name: string, bootstrap: Json): { status: number | null; output: string } {
  const path = join(dir, name);
  writeFileSync(path, stringify(bootstrap, { lineWidth: 0, aliasDuplicateObjects: false }));
  // A file, not a pipe: Node's pipes are sockets, and Envoy Gateway's access log opens /dev/stdout.
  const log = join(dir, `${name}.log`);
  const fd = openSync(log, 'w');
  try {
    const result = spawnSync(findEnvoy(), ['--mode', 'validate', '-c', path], { stdio: ['ignore', fd, fd] });
    return { status: result.status, output: readFileSync(log, 'utf8') };
  } finally {
    closeSync(fd);
  }
}

/** An object with what may change without a new recording of Envoy Gateway's translation left out: patch values, the config text. */
function withoutPatchValues(object: Json): Json {
  if (object.kind === 'ConfigMap') return { ...object, data: undefined };
  if (object.kind !== 'EnvoyPatchPolicy') return object;
  const spec = object.spec as Json;
  const patches = (spec.jsonPatches as Array<{ operation: Json }>).map((patch) => ({ ...patch, operation: { ...patch.operation, value: undefined } }));
  return { ...object, spec: { ...spec, jsonPatches: patches } };
}

function filterNames(bootstrap: Json): string[] {
  const listener = ((bootstrap.static_resources as Json).listeners as Json[])[0];
  const chain = (listener.default_filter_chain ?? (listener.filter_chains as Json[])[0]) as Json;
  const manager = (chain.filters as Json[])[0].typed_config as Json;
  return (manager.http_filters as Json[]).map((filter) => filter.name as string);
}

function managerOf(bootstrap: Json): Json {
  const listener = ((bootstrap.static_resources as Json).listeners as Json[])[0];
  const chain = (listener.default_filter_chain ?? (listener.filter_chains as Json[])[0]) as Json;
  return (chain.filters as Json[])[0].typed_config as Json;
}

describeE2E('aigw render-k8s output: strict decoding into the projects\' Go API types, Envoy config through the real Envoy', () => {
  let dir: string;
  let validator: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'aigw-k8s-'));
    validator = join(dir, 'k8s-validate');
    // Modules come from the cache .ci/run fills (go mod download); the build is cached after the first run.
    const build = spawnSync('go', ['build', '-o', validator, '.'], { cwd: VALIDATOR_MODULE, encoding: 'utf8', env: { ...process.env, GOFLAGS: '-mod=readonly' } });
    if (build.status !== 0) throw new Error(`go build deploy/k8s-validate failed (go on PATH?):\n${build.error?.message ?? ''}${build.stderr ?? ''}`);
  }, 600_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function decode(text: string): { status: number | null; lines: string[] } {
    const file = join(dir, `objects-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, text);
    const result = spawnSync(validator, [file], { encoding: 'utf8' });
    return { status: result.status, lines: `${result.stdout}${result.stderr}`.trim().split('\n').map((line) => line.replace(`${file}: `, '')) };
  }

  test('envoy-gateway: every object decodes strictly into Envoy Gateway v1.6.3 and Gateway API v1.4.1 types', () => {
    const result = decode(renderK8sYaml(CONFIG, 'envoy-gateway', { namespace: 'ai', configText: 'models: []\n' }));
    expect(result.lines).toEqual([
      'document 1 (v1 ConfigMap): ok',
      'document 2 (gateway.envoyproxy.io/v1alpha1 EnvoyProxy): ok',
      'document 3 (gateway.envoyproxy.io/v1alpha1 Backend): ok',
      'document 4 (gateway.envoyproxy.io/v1alpha1 Backend): ok',
      'document 5 (gateway.envoyproxy.io/v1alpha1 Backend): ok',
      'document 6 (gateway.envoyproxy.io/v1alpha1 Backend): ok',
      'document 7 (gateway.envoyproxy.io/v1alpha1 Backend): ok',
      'document 8 (gateway.networking.k8s.io/v1 HTTPRoute): ok',
      'document 9 (gateway.networking.k8s.io/v1 HTTPRoute): ok',
      'document 10 (gateway.networking.k8s.io/v1 HTTPRoute): ok',
      'document 11 (gateway.networking.k8s.io/v1 HTTPRoute): ok',
      'document 12 (gateway.envoyproxy.io/v1alpha1 EnvoyExtensionPolicy): ok',
      'document 13 (gateway.envoyproxy.io/v1alpha1 ClientTrafficPolicy): ok',
      'document 14 (gateway.envoyproxy.io/v1alpha1 EnvoyPatchPolicy): ok',
    ]);
    expect(result.status).toBe(0);
  });

  test('istio: every object decodes strictly into Istio 1.30 networking types (protojson, unknown fields refused)', () => {
    const result = decode(renderK8sYaml(CONFIG, 'istio', { namespace: 'ai', domains: ['ai.example.com'], configText: 'models: []\n' }));
    expect(result.lines).toEqual([
      'document 1 (v1 ConfigMap): ok',
      'document 2 (networking.istio.io/v1 Gateway): ok',
      'document 3 (networking.istio.io/v1alpha3 EnvoyFilter): ok',
      'document 4 (networking.istio.io/v1 ServiceEntry): ok',
      'document 5 (networking.istio.io/v1 ServiceEntry): ok',
      'document 6 (networking.istio.io/v1 ServiceEntry): ok',
      'document 7 (networking.istio.io/v1 DestinationRule): ok',
      'document 8 (networking.istio.io/v1 DestinationRule): ok',
    ]);
    expect(result.status).toBe(0);
  });

  test('the validator refuses an unknown field, a field in the wrong case, a misspelt Istio field, an unknown kind and a bad Deployment patch', () => {
    const route = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r' }, spec: { parentRefs: [{ name: 'eg' }] } };
    const documents = [
      { ...route, spec: { ...route.spec, retries: 3 } },
      { ...route, spec: { ParentRefs: [{ name: 'eg' }] } },
      { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 's' }, spec: { hosts: ['a.example.com'], resolutions: 'DNS' } },
      { apiVersion: 'gateway.envoyproxy.io/v1alpha1', kind: 'AIGatewayRoute', metadata: { name: 'x' }, spec: {} },
      route,
      // The Deployment patch an EnvoyProxy holds as free JSON is checked as a Deployment.
      {
        apiVersion: 'gateway.envoyproxy.io/v1alpha1',
        kind: 'EnvoyProxy',
        metadata: { name: 'p' },
        spec: { provider: { type: 'Kubernetes', kubernetes: { envoyDeployment: { patch: { type: 'StrategicMerge', value: { spec: { template: { spec: { containers: [{ name: 'aigw', imagePullPolicyy: 'Always' }] } } } } } } } } },
      },
    ];
    const result = decode(documents.map((document) => stringify(document)).join('---\n'));
    expect(result.status).toBe(1);
    expect(result.lines).toHaveLength(6);
    expect(result.lines[0]).toBe('document 1 (gateway.networking.k8s.io/v1 HTTPRoute): json: unknown field "retries"');
    expect(result.lines[1]).toBe('document 2 (gateway.networking.k8s.io/v1 HTTPRoute): .spec.ParentRefs: list not kept');
    expect(result.lines[2]).toMatch(/^document 3 \(networking\.istio\.io\/v1 ServiceEntry\): .*unknown field "resolutions"/);
    expect(result.lines[3]).toBe('document 4 (gateway.envoyproxy.io/v1alpha1 AIGatewayRoute): unknown kind "gateway.envoyproxy.io/v1alpha1 AIGatewayRoute"');
    expect(result.lines[4]).toBe('document 5 (gateway.networking.k8s.io/v1 HTTPRoute): ok');
    expect(result.lines[5]).toBe('document 6 (gateway.envoyproxy.io/v1alpha1 EnvoyProxy): spec.provider.kubernetes.envoyDeployment.patch.value: json: unknown field "imagePullPolicyy"');
  });

  test('envoy-gateway: the generated xDS with the EnvoyPatchPolicy applied passes envoy --mode validate, with aigw\'s filters, ext_proc and routes', () => {
    const bootstrap = envoyGatewayBootstrap(EG_OBJECTS, NAMES, 18080, 19901);
    const result = envoyValidate(dir, 'envoy-gateway.yaml', bootstrap);
    expect(result.output).toMatch(/configuration '.*' OK/);
    expect(result.status).toBe(0);
    const extproc = 'envoy.filters.http.ext_proc/envoyextensionpolicy/ai/aigw/extproc/0';
    expect(filterNames(bootstrap)).toEqual(['aigw.lua.response', extproc, 'aigw.buffer', 'aigw.lua.request', 'aigw.ratelimit', 'envoy.filters.http.router']);
    // The EnvoyExtensionPolicy and its patch give aigw's own ext_proc filter.
    const fragment = renderEnvoyFragment(CONFIG, {});
    const own = (fragment.http_filters as Array<{ filter: Json }>).find((entry) => entry.filter.name === 'aigw.ext_proc')?.filter.typed_config;
    const manager = managerOf(bootstrap);
    const patched = (manager.http_filters as Json[]).find((filter) => filter.name === extproc)?.typed_config as Json;
    // The same filter but for the gRPC service: Envoy Gateway's cluster for the aigw-extproc Backend.
    expect({ ...patched, grpc_service: undefined }).toEqual({ ...(own as Json), grpc_service: undefined });
    expect(patched.grpc_service).toEqual({ envoy_grpc: { cluster_name: 'envoyextensionpolicy/ai/aigw/extproc/0', authority: 'aigw-extproc.ai' }, timeout: '10s' });
    const routes = ((manager.route_config as Json).virtual_hosts as Json[])[0].routes as Json[];
    expect(routes.map((route) => route.name)).toEqual([
      'aigw.entry.0',
      'aigw.entry.1',
      'aigw.entry.2',
      'aigw.entry.3',
      'aigw.entry.4',
      'aigw.entry.5',
      'aigw.models',
      'aigw.model.0',
      'aigw.model.1',
      'aigw.mcp.0',
      'aigw.mcp.1',
    ]);
    const model = routes[7];
    expect(model.match).toEqual({ prefix: '/', dynamic_metadata: [{ filter: 'io.aigw', path: [{ key: 'model' }], value: { string_match: { exact: 'gpt-4o-mini' } } }] });
    expect((model.route as Json).cluster).toBe('model_0_gpt-4o-mini');
    expect(((model.route as Json).retry_policy as Json).retry_on).toBe('5xx,reset,connect-failure,retriable-status-codes');
    expect((routes[9].route as Json).cluster).toBe('aigw_mcp');
    expect((((model.route as Json).retry_policy as Json).retry_priority as Json).name).toBe('envoy.retry_priorities.previous_priorities');
    expect(((routes[0].match as Json).dynamic_metadata as Json[])[0]).toEqual({ filter: 'io.aigw', path: [{ key: 'model' }], value: { present_match: true }, invert: true });
    // A model call without a body: aigw's 400, in the path's API shape (OpenAI on chat completions, Anthropic on messages).
    const body = (route: Json): Json => JSON.parse(((route.direct_response as Json).body as Json).inline_string as string) as Json;
    expect([(routes[0].direct_response as Json).status, (routes[3].direct_response as Json).status]).toEqual([400, 400]);
    expect((body(routes[0]).error as Json).type).toBe('invalid_request_error');
    expect(body(routes[3]).type).toBe('error');
    expect(routes[0].response_headers_to_add).toEqual([{ header: { key: 'content-type', value: 'application/json' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }]);
    const clusters = ((bootstrap.static_resources as Json).clusters as Json[]).map((cluster) => cluster.name);
    expect(clusters).toEqual(expect.arrayContaining(['aigw_extproc', 'model_0_gpt-4o-mini', 'model_1_claude-sonnet']));
  });

  test('Envoy Gateway v1.6.3\'s own translator (egctl x translate, recorded) applied every patch, and its xDS passes envoy --mode validate', () => {
    const data = join(VALIDATOR_MODULE, 'testdata');
    const configPath = join(data, 'aigw.yaml');
    const config = compileConfig(loadConfigFile(configPath), { AIGW_MCP_SESSION_SECRET: 'session-secret-of-the-test-32-bytes-long' });
    const current = JSON.parse(JSON.stringify(renderK8s(config, 'envoy-gateway', { namespace: 'ai', configText: readFileSync(configPath, 'utf8') }))) as Json[];
    const recorded = parseAllDocuments(readFileSync(join(data, 'envoy-gateway-aigw-objects.yaml'), 'utf8')).map((document) => document.toJS() as Json | null).filter((object) => object !== null);
    // The recording proves how Envoy Gateway takes these objects and where each patch lands; the
    // values patched in (Lua code, mappers, clusters) are checked against Envoy by the test above
    // and may change without a new recording. When this fails, the objects or the patches'
    // targets changed: run deploy/k8s-validate/record-envoy-gateway-xds.sh again.
    expect(current.map(withoutPatchValues)).toEqual(recorded.map(withoutPatchValues));
    // The translation's input (the test's Gateway and GatewayClass too) is strictly decoded as well.
    const input = spawnSync(validator, [join(data, 'gateway.yaml'), join(data, 'envoy-gateway-aigw-objects.yaml')], { encoding: 'utf8' });
    expect([input.status, input.stdout.split('\n').filter((line) => line !== '' && !line.endsWith(': ok'))]).toEqual([0, []]);
    expect(input.stdout).toContain('gateway.yaml: document 2 (gateway.networking.k8s.io/v1 Gateway): ok');
    const dump = parse(readFileSync(join(data, 'envoy-gateway-aigw-xds.yaml'), 'utf8')) as { xds: Record<string, { configs: Json[] }> };
    const bootstrap = bootstrapFromDump(dump.xds['ai/eg'].configs, 19904);
    const result = envoyValidate(dir, 'envoy-gateway-recorded.yaml', bootstrap);
    expect(result.output).toMatch(/configuration '.*' OK/);
    expect(result.status).toBe(0);
    // What Envoy Gateway generated, with every patch in place.
    const listener = ((bootstrap.staticResources as Json).listeners as Json[]).find((entry) => entry.name === 'ai/eg/http') as Json;
    const manager = (((listener.defaultFilterChain as Json).filters as Json[])[0].typedConfig as Json);
    const extproc = 'envoy.filters.http.ext_proc/envoyextensionpolicy/ai/aigw/extproc/0';
    expect((manager.httpFilters as Json[]).map((filter) => filter.name)).toEqual(['aigw.lua.response', extproc, 'aigw.buffer', 'aigw.lua.request', 'aigw.ratelimit', 'envoy.filters.http.router']);
    const filter = (manager.httpFilters as Json[]).find((entry) => entry.name === extproc)?.typedConfig as Json;
    expect(filter.processingMode).toEqual({ requestHeaderMode: 'SKIP', requestBodyMode: 'BUFFERED', responseHeaderMode: 'SKIP', responseBodyMode: 'STREAMED', requestTrailerMode: 'SKIP', responseTrailerMode: 'SKIP' });
    expect(filter.requestAttributes).toEqual(expect.arrayContaining(["request.headers['authorization']", "request.headers['x-api-key']"]));
    expect(listener.perConnectionBufferLimitBytes).toBe(33554432);
    expect((manager.localReplyConfig as Json).mappers).toHaveLength(((renderEnvoyFragment(config).local_reply_config as Json).mappers as Json[]).length);
    const routes = ((manager.routeConfig as Json).virtualHosts as Json[]).flatMap((host) => host.routes as Json[]);
    expect(routes.map((route) => route.name).sort()).toEqual(
      ['aigw.entry.0', 'aigw.entry.1', 'aigw.entry.2', 'aigw.entry.3', 'aigw.entry.4', 'aigw.entry.5', 'aigw.model.0', 'aigw.model.1', 'aigw.models', 'aigw.mcp.0', 'aigw.mcp.1'].sort(),
    );
    const model = routes.find((route) => route.name === 'aigw.model.0') as Json;
    expect((model.match as Json).dynamicMetadata ?? (model.match as Json).dynamic_metadata).toEqual([{ filter: 'io.aigw', path: [{ key: 'model' }], value: { stringMatch: { exact: 'gpt-4o-mini' } } }]);
    expect((model.route as Json).cluster).toBe('model_0_gpt-4o-mini');
    expect(((model.route as Json).retryPolicy as Json).numRetries).toBe(config.models.get('gpt-4o-mini')?.retries);
    expect(((model.route as Json).retryPolicy as Json).retryPriority).toEqual({
      name: 'envoy.retry_priorities.previous_priorities',
      typedConfig: { '@type': 'type.googleapis.com/envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig', updateFrequency: 1 },
    });
    expect((routes.find((route) => route.name === 'aigw.mcp.0')?.route as Json).cluster).toBe('aigw_mcp');
    const clusters = ((bootstrap.staticResources as Json).clusters as Json[]).map((cluster) => cluster.name);
    expect(clusters).toEqual(expect.arrayContaining(['aigw_extproc', 'model_0_gpt-4o-mini', 'model_1_claude-sonnet', 'aigw_mcp', 'envoyextensionpolicy/ai/aigw/extproc/0']));
    expect((bootstrap.layeredRuntime as { layers: Array<{ staticLayer: Json }> }).layers[0].staticLayer['envoy.reloadable_features.ext_proc_graceful_grpc_close']).toBe(true);
  });

  test('istio: the gateway\'s config with the EnvoyFilter applied passes envoy --mode validate, aigw\'s filters right before the router', () => {
    const bootstrap = istioGatewayBootstrap(ISTIO_OBJECTS, 18081, 19902);
    const result = envoyValidate(dir, 'istio.yaml', bootstrap);
    expect(result.output).toMatch(/configuration '.*' OK/);
    expect(result.status).toBe(0);
    expect(filterNames(bootstrap)).toEqual(['envoy.filters.http.cors', 'aigw.lua.response', 'aigw.ext_proc', 'aigw.buffer', 'aigw.lua.request', 'aigw.ratelimit', 'envoy.filters.http.router']);
    const hosts = (managerOf(bootstrap).route_config as Json).virtual_hosts as Json[];
    expect(hosts.map((host) => [host.name, host.domains])).toEqual([
      ['blackhole:80', ['*']],
      ['aigw', ['ai.example.com', 'ai.example.com:*']],
    ]);
    expect(((bootstrap.static_resources as Json).clusters as Json[]).map((cluster) => cluster.name)).toEqual(['BlackHoleCluster', 'aigw_extproc', 'model_0_gpt-4o-mini', 'model_1_claude-sonnet', 'aigw_mcp']);
  });

  test('a broken piece of Envoy config fails envoy --mode validate (the check can fail)', () => {
    const bootstrap = istioGatewayBootstrap(ISTIO_OBJECTS, 18082, 19903);
    ((bootstrap.static_resources as Json).clusters as Json[])[2].lb_policy = 'NO_SUCH_POLICY';
    const result = envoyValidate(dir, 'broken.yaml', bootstrap);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('NO_SUCH_POLICY');
  });
});

describe('aigw render-k8s (the command)', () => {
  const example = join(ROOT, 'examples', 'aigw.yaml');
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'aigw-k8s-cli-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
    const result = spawnSync(process.execPath, [CLI, 'render-k8s', ...args], { encoding: 'utf8', cwd: ROOT });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  test('writes the istio objects, in the namespace given, to --out, as documented', () => {
    const out = join(dir, 'istio.yaml');
    const result = run(['examples/aigw.yaml', '--target', 'istio', '--namespace', 'ai-gateway', '--domain', 'ai.example.com', '--out', out]);
    expect(result).toEqual({ status: 0, stdout: '', stderr: '' });
    const text = readFileSync(out, 'utf8');
    expect(text.split('\n')[0]).toBe('# Rendered by `aigw render-k8s examples/aigw.yaml --target istio --namespace ai-gateway --domain ai.example.com` (docs/kubernetes-gateways.md). Do not edit: change the aigw config and render again.');
    const objects = parseAllDocuments(text).map((document) => document.toJS() as Json | null).filter((object): object is Json => object !== null);
    expect(objects.map((object) => object.kind).slice(0, 3)).toEqual(['ConfigMap', 'Gateway', 'EnvoyFilter']);
    expect(new Set(objects.map((object) => (object.metadata as Json).namespace))).toEqual(new Set(['ai-gateway']));
    expect((objects[0].data as Json)['aigw.yaml']).toBe(readFileSync(example, 'utf8'));
    expect(((objects[1].spec as Json).servers as Json[])[0]).toEqual({ port: { number: 80, name: 'http-aigw', protocol: 'HTTP' }, hosts: ['ai.example.com'] });
  });

  test('writes the envoy-gateway objects to stdout without --out', () => {
    const result = run(['examples/aigw.yaml', '--target', 'envoy-gateway', '--gateway', 'edge', '--listener', 'web']);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    const objects = parseAllDocuments(result.stdout).map((document) => document.toJS() as Json | null).filter((object): object is Json => object !== null);
    const patch = objects.find((object) => object.kind === 'EnvoyPatchPolicy') as Json;
    expect((patch.spec as Json).targetRef).toEqual({ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'edge' });
    expect(((patch.spec as Json).jsonPatches as Json[]).filter((entry) => entry.type !== 'type.googleapis.com/envoy.config.cluster.v3.Cluster').every((entry) => entry.name === 'default/edge/web')).toBe(true);
  });

  test('a bad or missing target is a usage error (exit 2) naming the targets', () => {
    const bad = run(['examples/aigw.yaml', '--target', 'nginx']);
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr.split('\n')[0]).toBe("aigw render-k8s: --target must be envoy-gateway or istio, not 'nginx'");
    expect(bad.stderr).toContain('Usage: aigw render-k8s FILE --target envoy-gateway|istio [--namespace NS]');
    const missing = run(['examples/aigw.yaml']);
    expect(missing.status).toBe(2);
    expect(missing.stderr.split('\n')[0]).toBe('aigw render-k8s: missing --target (envoy-gateway or istio)');
  });

  test('--help prints the usage and exits 0; aigw --help lists the command', () => {
    const help = run(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout.startsWith('aigw render-k8s FILE --target envoy-gateway|istio [--namespace NS] [--domain HOST[,HOST…]] [--gateway NAME] [--listener NAME] [--selector KEY=VALUE[,…]] [--port N] [--image IMAGE] [--out PATH]\n')).toBe(true);
    const all = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
    expect(all.stdout).toContain('\n  aigw render-k8s FILE --target envoy-gateway|istio');
  });

  test('options that do not fit are usage errors too', () => {
    const namespace = run(['examples/aigw.yaml', '--target', 'istio', '--namespace', 'AI_Gateway']);
    expect(namespace.status).toBe(2);
    expect(namespace.stderr.split('\n')[0]).toBe("aigw render-k8s: --namespace must be a Kubernetes name (lower case letters, digits, '-'), not 'AI_Gateway'");
    const gateway = run(['examples/aigw.yaml', '--target', 'istio', '--gateway', 'eg']);
    expect(gateway.status).toBe(2);
    expect(gateway.stderr.split('\n')[0]).toBe('aigw render-k8s: --gateway applies to --target envoy-gateway only');
    const selector = run(['examples/aigw.yaml', '--target', 'envoy-gateway', '--selector', 'app=gw']);
    expect(selector.stderr.split('\n')[0]).toBe('aigw render-k8s: --selector applies to --target istio only');
    const badSelector = run(['examples/aigw.yaml', '--target', 'istio', '--selector', 'app']);
    expect(badSelector.stderr.split('\n')[0]).toBe("aigw render-k8s: --selector takes KEY=VALUE[,KEY=VALUE…] with Kubernetes label keys and values, not 'app'");
    const port = run(['examples/aigw.yaml', '--target', 'istio', '--port', '70000']);
    expect([port.status, port.stderr.split('\n')[0]]).toEqual([2, "aigw render-k8s: --port must be a port number (1-65535), not '70000'"]);
  });

  test('--selector and --port choose the Istio gateway pods and port', () => {
    const result = run(['examples/aigw.yaml', '--target', 'istio', '--domain', 'ai.example.com', '--selector', 'app=edge,gateway.example.com/role=ai', '--port', '8080']);
    expect(result.status).toBe(0);
    const objects = parseAllDocuments(result.stdout).map((document) => document.toJS() as Json | null).filter((object): object is Json => object !== null);
    const gateway = objects.find((object) => object.kind === 'Gateway') as Json;
    const filter = objects.find((object) => object.kind === 'EnvoyFilter') as Json;
    expect((gateway.spec as Json).selector).toEqual({ app: 'edge', 'gateway.example.com/role': 'ai' });
    expect(((gateway.spec as Json).servers as Json[])[0].port).toEqual({ number: 8080, name: 'http-aigw', protocol: 'HTTP' });
    expect((filter.spec as Json).workloadSelector).toEqual({ labels: { app: 'edge', 'gateway.example.com/role': 'ai' } });
  });
});
