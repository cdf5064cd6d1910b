import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { loadConfigFile } from '../src/config/load';
import { compileConfig } from '../src/config/runtime';
import type { RuntimeConfig } from '../src/config/runtime';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { Gateway } from '../src/gateway';
import { renderK8s } from '../src/k8s/render-k8s';
import { silentLogger } from '../src/telemetry/logger';
import { GatewayMetrics } from '../src/telemetry/metrics';
import { applyPatch } from './json-patch';
import type { PatchOperation } from './json-patch';
import { EnvoyProcess, TEST_KEY, describeE2E, freePort } from './harness';
import { bootstrapFromDump } from './k8s-egctl-dump';

/**
 * Requests through what Envoy Gateway v1.6.3 makes of aigw's objects: its own translation of
 * deploy/k8s-validate/testdata/aigw-local.yaml's objects without the EnvoyPatchPolicy
 * (recorded by record-envoy-gateway-xds.sh), the current EnvoyPatchPolicy applied to it as
 * Envoy Gateway applies one (e2e/json-patch.ts; k8s-render.test.ts checks Envoy Gateway's own
 * application of it on the other recording), run by the real Envoy beside aigw, with the SDKs.
 */

type Json = Record<string, unknown>;

const DATA = resolve(__dirname, '..', 'deploy', 'k8s-validate', 'testdata');
/** Fixed in the recording (aigw-local.yaml): aigw's socket and the fake providers' ports. */
const SOCKET_DIR = '/tmp/aigw-k8s-e2e';
const PROVIDER_PORTS = { first: 18711, second: 18712, claude: 18713 } as const;
const ENV = { FIRST_KEY: 'key-of-first', SECOND_KEY: 'key-of-second', CLAUDE_KEY: 'key-of-claude' };

/** The recording is in protobuf's JSON names (camelCase); the patches use the proto field names. */
function camel(segment: string): string {
  return /^[a-z0-9]+(_[a-z0-9]+)+$/.test(segment) ? segment.replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase()) : segment;
}

function camelOperation(operation: PatchOperation): PatchOperation {
  return {
    ...operation,
    path: operation.path?.split('/').map(camel).join('/'),
    jsonPath: operation.jsonPath?.replace(/^\.\.(\w+)/, (_match, key: string) => `..${camel(key)}`),
  };
}

function withoutPatchPolicy(objects: Json[]): Json[] {
  return objects.filter((object) => object.kind !== 'EnvoyPatchPolicy');
}

/** Envoy Gateway's recorded translation with the current patches applied: the dump's configs. */
function patchedConfigs(objects: Json[]): Json[] {
  const dump = parse(readFileSync(join(DATA, 'envoy-gateway-aigw-local-unpatched-xds.yaml'), 'utf8')) as { xds: Record<string, { configs: Json[] }> };
  const configs = dump.xds['ai/eg'].configs;
  const of = (type: string): Json => configs.find((config) => config['@type'] === `type.googleapis.com/envoy.admin.v3.${type}`) as Json;
  const listeners = (of('ListenersConfigDump').dynamicListeners as Json[]).map((entry) => (entry.activeState as Json).listener as Json);
  const routes = (of('RoutesConfigDump').dynamicRouteConfigs as Json[]).map((entry) => entry.routeConfig as Json);
  const clusters = of('ClustersConfigDump').dynamicActiveClusters as Json[];
  const policy = objects.find((object) => object.kind === 'EnvoyPatchPolicy') as Json;
  for (const patch of (policy.spec as Json).jsonPatches as Array<{ type: string; name: string; operation: PatchOperation }>) {
    if (patch.type.endsWith('.Cluster')) {
      clusters.push({ cluster: patch.operation.value });
      continue;
    }
    const resources = patch.type.endsWith('.Listener') ? listeners : routes;
    const resource = resources.find((entry) => entry.name === patch.name);
    if (!resource) throw new Error(`no ${patch.type} ${patch.name} in the recording`);
    applyPatch(resource, camelOperation(patch.operation));
  }
  return configs;
}

/** Every string `from` in a value replaced by `to` (Envoy Gateway's access log writes to /dev/stdout). */
function replaceStrings(value: unknown, from: string, to: string): unknown {
  if (value === from) return to;
  if (Array.isArray(value)) return value.map((item) => replaceStrings(item, from, to));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, replaceStrings(item, from, to)]));
  return value;
}

describeE2E('SDK requests through Envoy Gateway\'s translation of aigw\'s objects', () => {
  let config: RuntimeConfig;
  let objects: Json[];
  let providers: Record<keyof typeof PROVIDER_PORTS, FakeProvider>;
  let gateway: Gateway;
  let envoy: EnvoyProcess;
  let dir: string;
  let baseUrl: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aigw-eg-serve-'));
    const configPath = join(DATA, 'aigw-local.yaml');
    config = compileConfig(loadConfigFile(configPath), ENV);
    objects = JSON.parse(JSON.stringify(renderK8s(config, 'envoy-gateway', { namespace: 'ai', configText: readFileSync(configPath, 'utf8') }))) as Json[];
    const [first, second, claude] = await Promise.all(
      (Object.entries(PROVIDER_PORTS) as Array<[keyof typeof PROVIDER_PORTS, number]>).map(([name, port]) => FakeProvider.start({ name, port })),
    );
    providers = { first, second, claude };
    mkdirSync(SOCKET_DIR, { recursive: true, mode: 0o700 });
    if (existsSync(join(SOCKET_DIR, 'extproc.sock'))) rmSync(join(SOCKET_DIR, 'extproc.sock'));
    gateway = await Gateway.start({ config, grpcAddresses: [`unix:${join(SOCKET_DIR, 'extproc.sock')}`], logger: silentLogger, metrics: new GatewayMetrics({ defaultMetrics: false }), env: ENV });
    const [listenerPort, readyPort, adminPort] = [await freePort(), await freePort(), await freePort()];
    const bootstrap = replaceStrings(bootstrapFromDump(patchedConfigs(objects), adminPort), '/dev/stdout', join(dir, 'envoy-access.log')) as Json;
    for (const listener of (bootstrap.staticResources as Json).listeners as Json[]) {
      const port = listener.name === 'ai/eg/http' ? listenerPort : readyPort;
      listener.address = { socketAddress: { address: '127.0.0.1', portValue: port } };
    }
    const path = join(dir, 'envoy.yaml');
    writeFileSync(path, stringify(bootstrap, { lineWidth: 0, aliasDuplicateObjects: false }));
    envoy = await EnvoyProcess.start(path, adminPort);
    baseUrl = `http://127.0.0.1:${listenerPort}`;
  }, 60_000);

  afterAll(async () => {
    await envoy?.stop();
    await gateway?.stop(0);
    await Promise.all(Object.values(providers ?? {}).map((provider) => provider.close()));
    rmSync(dir, { recursive: true, force: true });
    rmSync(SOCKET_DIR, { recursive: true, force: true });
  });

  beforeEach(() => Object.values(providers).forEach((provider) => provider.reset()));

  test('the recording was made from the objects the renderer writes now (else run record-envoy-gateway-xds.sh)', () => {
    const recorded = parseAllDocuments(readFileSync(join(DATA, 'envoy-gateway-aigw-local-objects.yaml'), 'utf8')).map((document) => document.toJS() as Json | null).filter((object): object is Json => object !== null);
    expect(withoutPatchPolicy(objects)).toEqual(withoutPatchPolicy(recorded));
  });

  test('OpenAI SDK: the first backend answers 503, the second serves the request, each with its own key', async () => {
    providers.first.enqueue({ kind: 'json', status: 503, body: { error: { message: 'overloaded', type: 'server_error', param: null, code: null } } });
    const client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${baseUrl}/v1`, maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'gpt-failover', messages: [{ role: 'user', content: 'hello' }] });
    expect(completion.choices[0].message.content).toBe('Hello from second');
    expect(providers.first.received.map((request) => request.headers.authorization)).toEqual(['Bearer key-of-first']);
    expect(providers.second.received.map((request) => request.headers.authorization)).toEqual(['Bearer key-of-second']);
  });

  test('OpenAI SDK legacy completions (an entry route of its own)', async () => {
    const client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${baseUrl}/v1`, maxRetries: 0 });
    const completion = await client.completions.create({ model: 'gpt-failover', prompt: 'hello' });
    expect(completion.choices[0].text).toBe(' Hello from first');
    expect(providers.first.received.map((request) => request.path)).toEqual(['/v1/completions']);
  });

  test('OpenAI SDK streaming', async () => {
    const client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${baseUrl}/v1`, maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: 'gpt-failover', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hello from first');
  });

  test('Anthropic SDK: to the anthropic backend with its key and model', async () => {
    const anthropic = new Anthropic({ apiKey: TEST_KEY, baseURL: baseUrl, maxRetries: 0 });
    const message = await anthropic.messages.create({ model: 'claude-sonnet', max_tokens: 50, messages: [{ role: 'user', content: 'hello there' }] });
    expect(message.content).toEqual([{ type: 'text', text: 'Hello from claude' }]);
    expect(providers.claude.received).toHaveLength(1);
    expect(providers.claude.received[0].headers['x-api-key']).toBe('key-of-claude');
    expect(providers.claude.received[0].json).toEqual({ model: 'claude-sonnet-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'hello there' }] });
  });

  test('Envoy\'s own answers in the client\'s error shape: a model call without a body, a wrong key', async () => {
    const empty = await fetch(`${baseUrl}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}` } });
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
    const client = new OpenAI({ apiKey: 'sk-wrong', baseURL: `${baseUrl}/v1`, maxRetries: 0 });
    await expect(client.chat.completions.create({ model: 'gpt-failover', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ status: 401 });
    expect(providers.first.received).toHaveLength(0);
  });
});
