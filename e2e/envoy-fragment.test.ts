import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { stringify } from 'yaml';
import { validateConfig } from '../src/config/load';
import { renderEnvoyFragment } from '../src/config/render-envoy-fragment';
import { bufferLimitBytes } from '../src/config/render-envoy';
import { compileConfig } from '../src/config/runtime';
import type { RuntimeConfig } from '../src/config/runtime';
import { findEnvoy } from '../src/envoy-binary';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { Gateway } from '../src/gateway';
import { silentLogger } from '../src/telemetry/logger';
import { GatewayMetrics } from '../src/telemetry/metrics';
import { mergeEnvoyFragment } from './envoy-fragment-merge';
import type { RoutePlacement } from './envoy-fragment-merge';
import { EnvoyProcess, REFUSED_PORT, TEST_KEY, describeE2E, freePort, withCaller } from './harness';

type Json = Record<string, unknown>;

/** A user's own Envoy, written as a platform team would: its admin, a Lua header filter, a plain HTTP service. */
function userBootstrap(listenerPort: number, adminPort: number, helloPort: number): Json {
  const address = (port: number): Json => ({ socket_address: { address: '127.0.0.1', port_value: port } });
  const cluster = (name: string, port: number): Json => ({
    name,
    type: 'STATIC',
    connect_timeout: '1s',
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: address(port) } }] }] },
  });
  return {
    admin: { address: address(adminPort) },
    static_resources: {
      listeners: [
        {
          name: 'ingress',
          address: address(listenerPort),
          filter_chains: [
            {
              filters: [
                {
                  name: 'envoy.filters.network.http_connection_manager',
                  typed_config: {
                    '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
                    stat_prefix: 'ingress',
                    route_config: {
                      name: 'ingress',
                      virtual_hosts: [
                        {
                          name: 'apps',
                          domains: ['*'],
                          routes: [
                            { match: { prefix: '/down' }, route: { cluster: 'down_service' } },
                            { match: { prefix: '/' }, route: { cluster: 'hello_service' } },
                          ],
                        },
                      ],
                    },
                    http_filters: [
                      {
                        name: 'platform.lua.headers',
                        typed_config: {
                          '@type': 'type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua',
                          default_source_code: {
                            inline_string: 'function envoy_on_request(handle) handle:headers():add("x-platform-seen", "yes") end\nfunction envoy_on_response(handle) handle:headers():add("x-platform", "lua") end\n',
                          },
                        },
                      },
                      { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
      clusters: [cluster('hello_service', helloPort), cluster('down_service', REFUSED_PORT)],
    },
  };
}

/** `envoy --mode validate` on a bootstrap: its exit status and output. */
function validate(path: string): { status: number | null; output: string } {
  const result = spawnSync(findEnvoy(), ['--mode', 'validate', '-c', path], { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** A request with a Host header of its own (fetch cannot set Host): its status and body. */
async function requestWithHost(url: string, host: string, method: string, headers: Record<string, string>, body = ''): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method, headers: { ...headers, host } }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

describeE2E('the --fragment merged into a user\'s own Envoy', () => {
  let first: FakeProvider;
  let second: FakeProvider;
  let claude: FakeProvider;
  let hello: Server;
  let helloRequests: Array<{ url?: string; headers: IncomingHttpHeaders; body: string }>;
  let gateway: Gateway;
  let envoy: EnvoyProcess;
  let ownHostEnvoy: EnvoyProcess;
  let ownHostUrl: string;
  let dir: string;
  let baseUrl: string;
  let fragment: Json;
  let user: Json;
  let runtime: RuntimeConfig;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aigw-fragment-'));
    [first, second, claude] = await Promise.all([FakeProvider.start({ name: 'first' }), FakeProvider.start({ name: 'second' }), FakeProvider.start({ name: 'claude' })]);
    helloRequests = [];
    hello = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        helloRequests.push({ url: request.url, headers: request.headers, body });
        response.writeHead(200, { 'content-type': 'text/plain' }).end('hello');
      });
    });
    await new Promise<void>((resolve) => hello.listen(0, '127.0.0.1', resolve));
    const env = { FIRST_KEY: 'key-of-first', SECOND_KEY: 'key-of-second', CLAUDE_KEY: 'key-of-claude' };
    const raw = withCaller({
      backends: [
        { name: 'first', kind: 'openai', baseUrl: `${first.url}/v1`, credential: { env: 'FIRST_KEY' } },
        { name: 'second', kind: 'openai', baseUrl: `${second.url}/v1`, credential: { env: 'SECOND_KEY' } },
        { name: 'claude', kind: 'anthropic', baseUrl: claude.url, credential: { env: 'CLAUDE_KEY' } },
        { name: 'refused', kind: 'openai', baseUrl: `http://127.0.0.1:${REFUSED_PORT}/v1` },
      ],
      models: [
        { name: 'gpt-failover', backends: [{ backend: 'first' }, { backend: 'second' }] },
        { name: 'claude-sonnet', backends: [{ backend: 'claude', model: 'claude-sonnet-4-5' }] },
        { name: 'nowhere', backends: [{ backend: 'refused' }] },
        { name: 'limited', backends: [{ backend: 'second' }] },
      ],
      rateLimits: {
        envoyTimeoutMs: 5000,
        descriptors: [{ key: 'metric', value: 'requests', descriptors: [{ key: 'model', value: 'limited', rate_limit: { unit: 'hour', requests_per_unit: 1 } }] }],
      },
      server: { grpc: [`unix:${join(dir, 'aigw.sock')}`], admin: '127.0.0.1:0' },
    });
    runtime = compileConfig(validateConfig(raw, 'e2e'), env);
    gateway = await Gateway.start({ config: runtime, grpcAddresses: [`unix:${join(dir, 'aigw.sock')}`], logger: silentLogger, metrics: new GatewayMetrics({ defaultMetrics: false }), env });
    fragment = renderEnvoyFragment(runtime, { extprocTarget: gateway.grpcAddresses[0], accessLogPath: join(dir, 'access.log'), domains: ['ai.example.test'] });
    const [listenerPort, adminPort] = [await freePort(), await freePort()];
    user = userBootstrap(listenerPort, adminPort, (hello.address() as AddressInfo).port);
    const path = join(dir, 'merged.yaml');
    writeFileSync(path, stringify(mergeEnvoyFragment(user, fragment, 'ingress', { mergeInto: 'apps' })));
    envoy = await EnvoyProcess.start(path, adminPort);
    baseUrl = `http://127.0.0.1:${listenerPort}`;
    // Option A on an Envoy of its own: aigw's virtual host beside the user's.
    const [ownListenerPort, ownAdminPort] = [await freePort(), await freePort()];
    const ownPath = join(dir, 'own-host.yaml');
    const ownUser = userBootstrap(ownListenerPort, ownAdminPort, (hello.address() as AddressInfo).port);
    writeFileSync(ownPath, stringify(mergeEnvoyFragment(ownUser, fragment, 'ingress', { ownVirtualHost: true })));
    ownHostEnvoy = await EnvoyProcess.start(ownPath, ownAdminPort);
    ownHostUrl = `http://127.0.0.1:${ownListenerPort}`;
  });

  afterAll(async () => {
    await envoy?.stop();
    await ownHostEnvoy?.stop();
    await gateway?.stop(0);
    await Promise.all([first?.close(), second?.close(), claude?.close()]);
    await new Promise((resolve) => hello?.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    first.reset();
    second.reset();
    claude.reset();
    helloRequests.length = 0;
  });

  test.each<[string, RoutePlacement]>([
    ['routes merged into the user\'s virtual host', { mergeInto: 'apps' }],
    ['aigw\'s own virtual host', { ownVirtualHost: true }],
  ])('envoy --mode validate accepts the merge: %s', (name, placement) => {
    const path = join(dir, `validate-${'ownVirtualHost' in placement ? 'own' : 'merged'}.yaml`);
    writeFileSync(path, stringify(mergeEnvoyFragment(user, fragment, 'ingress', placement)));
    const result = validate(path);
    expect(result.output).toContain(`configuration '${path}' OK`);
    expect(result.status).toBe(0);
  });

  test('OpenAI SDK: the first backend answers 503, the second serves the request', async () => {
    first.enqueue({ kind: 'json', status: 503, body: { error: { message: 'overloaded', type: 'server_error', param: null, code: null } } });
    const client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${baseUrl}/v1`, maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'gpt-failover', messages: [{ role: 'user', content: 'hello' }] });
    expect(completion.choices[0].message.content).toBe('Hello from second');
    expect(first.received).toHaveLength(1);
    expect(first.received[0].headers.authorization).toBe('Bearer key-of-first');
    expect(second.received).toHaveLength(1);
    expect(second.received[0].headers.authorization).toBe('Bearer key-of-second');
    // The platform's own request filter runs first, and aigw's drops what providers must not see.
    expect(second.received[0].headers['x-platform-seen']).toBeUndefined();
    expect(helloRequests).toHaveLength(0);
  });

  test('OpenAI SDK streaming through the merged listener', async () => {
    const client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${baseUrl}/v1`, maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: 'gpt-failover', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hello from first');
  });

  test('Anthropic SDK: translated to the backend with its own key', async () => {
    const anthropic = new Anthropic({ apiKey: TEST_KEY, baseURL: baseUrl, maxRetries: 0 });
    const message = await anthropic.messages.create({ model: 'claude-sonnet', max_tokens: 50, messages: [{ role: 'user', content: 'hello there' }] });
    expect(message.content).toEqual([{ type: 'text', text: 'Hello from claude' }]);
    expect(claude.received).toHaveLength(1);
    expect(claude.received[0].path).toBe('/v1/messages');
    expect(claude.received[0].headers['x-api-key']).toBe('key-of-claude');
    expect(claude.received[0].json).toEqual({ model: 'claude-sonnet-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'hello there' }] });
  });

  test('option A: aigw\'s own virtual host serves its domain whole-host; the user\'s host is untouched', async () => {
    const chat = JSON.stringify({ model: 'gpt-failover', messages: [{ role: 'user', content: 'hi' }] });
    const answered = await requestWithHost(`${ownHostUrl}/v1/chat/completions`, 'ai.example.test', 'POST', { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' }, chat);
    expect(answered.status).toBe(200);
    expect((JSON.parse(answered.body) as { choices: Array<{ message: { content: string } }> }).choices[0].message.content).toBe('Hello from first');
    // On aigw's host, any path without a key is refused and an unknown path is aigw's 404.
    const keyless = await requestWithHost(`${ownHostUrl}/greeting`, 'ai.example.test', 'GET', {});
    expect(keyless.status).toBe(401);
    expect((JSON.parse(keyless.body) as { error: { code: string } }).error.code).toBe('invalid_api_key');
    const unknown = await requestWithHost(`${ownHostUrl}/greeting`, 'ai.example.test', 'GET', { authorization: `Bearer ${TEST_KEY}` });
    expect(unknown.status).toBe(404);
    expect((JSON.parse(unknown.body) as { error: { code: string } }).error.code).toBe('unknown_url');
    // Every other host is the user's.
    expect(await requestWithHost(`${ownHostUrl}/greeting`, 'apps.example.test', 'GET', {})).toEqual({ status: 200, body: 'hello' });
    expect(helloRequests).toHaveLength(1);
  });

  test('aigw\'s refusals still answer on aigw\'s paths: no key → 401 in the client\'s shape', async () => {
    const response = await fetch(`${baseUrl}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":"gpt-failover"}' });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('invalid_api_key');
  });

  test('the unrelated route answers "hello" unchanged, with its own filter\'s header and every request header', async () => {
    const response = await fetch(`${baseUrl}/greeting?name=x`, { headers: { 'x-custom': 'kept', cookie: 'session=1' } });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('hello');
    expect(response.headers.get('x-platform')).toBe('lua');
    expect(helloRequests).toHaveLength(1);
    expect(helloRequests[0]).toMatchObject({ url: '/greeting?name=x', body: '' });
    expect(helloRequests[0].headers).toMatchObject({ 'x-custom': 'kept', cookie: 'session=1', 'x-platform-seen': 'yes' });
  });

  test('a keyless POST with a body on the user\'s route is the user\'s: no 401, body and headers intact', async () => {
    const body = JSON.stringify({ model: 'gpt-failover', note: 'not for aigw' });
    const response = await fetch(`${baseUrl}/v1/not-aigw`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('hello');
    expect(helloRequests[0]).toMatchObject({ url: '/v1/not-aigw', body });
    expect(Object.keys(helloRequests[0].headers).filter((name) => name.startsWith('x-aigw-'))).toEqual([]);
  });

  test('aigw\'s buffer filter stays off on the user\'s routes: a body over its limit passes to the user\'s service', async () => {
    const size = bufferLimitBytes(runtime) + 1024 * 1024;
    const response = await fetch(`${baseUrl}/upload`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.alloc(size, 'a') });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('hello');
    expect(helloRequests[0].body.length).toBe(size);
  });

  test('aigw.ratelimit counts on aigw\'s routes: the second request of a 1-per-hour model is a 429 in OpenAI\'s shape', async () => {
    const client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${baseUrl}/v1`, maxRetries: 0 });
    const admitted = await client.chat.completions.create({ model: 'limited', messages: [{ role: 'user', content: 'hi' }] });
    expect(admitted.choices[0].message.content).toBe('Hello from second');
    const error = await client.chat.completions.create({ model: 'limited', messages: [{ role: 'user', content: 'hi' }] }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).error).toMatchObject({ type: 'rate_limit_error', param: null, code: 'rate_limit_exceeded' });
    expect(second.received).toHaveLength(1);
  });

  test('aigw\'s local-reply mappers apply on aigw\'s routes: an unreachable backend is a 503 in OpenAI\'s shape', async () => {
    const response = await fetch(`${baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'nowhere', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(503);
    const body = (await response.json()) as { error: { type: string; code: string } };
    expect(body.error).toMatchObject({ type: 'server_error', code: 'upstream_error' });
  });

  test('the user\'s own local replies keep Envoy\'s plain text: aigw\'s mappers apply on aigw\'s routes only', async () => {
    const response = await fetch(`${baseUrl}/down`);
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(await response.text()).toMatch(/^upstream connect error or disconnect\/reset before headers/);
  });
});
