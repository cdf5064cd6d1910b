import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { stringify } from 'yaml';
import { validateConfig } from '../src/config/load';
import { compileConfig } from '../src/config/runtime';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { Gateway } from '../src/gateway';
import { renderK8s } from '../src/k8s/render-k8s';
import { silentLogger } from '../src/telemetry/logger';
import { GatewayMetrics } from '../src/telemetry/metrics';
import { EnvoyProcess, TEST_KEY, describeE2E, freePort, withCaller } from './harness';
import { istioGatewayBootstrap } from './k8s-istio-xds';

/**
 * Requests through an Istio-style ingress gateway config (e2e/k8s-istio-xds.ts: its listener,
 * catch-all virtual host and CORS filter) with aigw's rendered EnvoyFilter applied, on the real
 * Envoy beside aigw: aigw's virtual host answers on its domain, the gateway's own stays as it was.
 */
describeE2E('SDK requests through an Istio gateway config with aigw\'s EnvoyFilter', () => {
  let first: FakeProvider;
  let second: FakeProvider;
  let claude: FakeProvider;
  let gateway: Gateway;
  let envoy: EnvoyProcess;
  let dir: string;
  let baseUrl: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aigw-istio-serve-'));
    [first, second, claude] = await Promise.all([FakeProvider.start({ name: 'first' }), FakeProvider.start({ name: 'second' }), FakeProvider.start({ name: 'claude' })]);
    const env = { FIRST_KEY: 'key-of-first', SECOND_KEY: 'key-of-second', CLAUDE_KEY: 'key-of-claude' };
    const socket = `unix:${join(dir, 'aigw.sock')}`;
    const config = compileConfig(
      validateConfig(
        withCaller({
          backends: [
            { name: 'first', kind: 'openai', baseUrl: `${first.url}/v1`, credential: { env: 'FIRST_KEY' } },
            { name: 'second', kind: 'openai', baseUrl: `${second.url}/v1`, credential: { env: 'SECOND_KEY' } },
            { name: 'claude', kind: 'anthropic', baseUrl: claude.url, credential: { env: 'CLAUDE_KEY' } },
          ],
          models: [
            { name: 'gpt-failover', backends: [{ backend: 'first' }, { backend: 'second', priority: 1 }] },
            { name: 'claude-sonnet', backends: [{ backend: 'claude', model: 'claude-sonnet-4-5' }] },
          ],
          server: { grpc: [socket], admin: '127.0.0.1:0' },
        }),
        'e2e',
      ),
      env,
    );
    gateway = await Gateway.start({ config, grpcAddresses: [socket], logger: silentLogger, metrics: new GatewayMetrics({ defaultMetrics: false }), env });
    // aigw's virtual host on 127.0.0.1 (and 127.0.0.1:*), the Host the SDKs send here.
    const objects = renderK8s(config, 'istio', { namespace: 'ai', domains: ['127.0.0.1'] });
    const [listenerPort, adminPort] = [await freePort(), await freePort()];
    const path = join(dir, 'envoy.yaml');
    writeFileSync(path, stringify(istioGatewayBootstrap(objects, listenerPort, adminPort), { lineWidth: 0, aliasDuplicateObjects: false }));
    envoy = await EnvoyProcess.start(path, adminPort);
    baseUrl = `http://127.0.0.1:${listenerPort}`;
  }, 60_000);

  afterAll(async () => {
    await envoy?.stop();
    await gateway?.stop(0);
    await Promise.all([first?.close(), second?.close(), claude?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => [first, second, claude].forEach((provider) => provider.reset()));

  test('OpenAI SDK: failover from a 503 to the second backend, each attempt with its own key', async () => {
    first.enqueue({ kind: 'json', status: 503, body: { error: { message: 'overloaded', type: 'server_error', param: null, code: null } } });
    const client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${baseUrl}/v1`, maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'gpt-failover', messages: [{ role: 'user', content: 'hello' }] });
    expect(completion.choices[0].message.content).toBe('Hello from second');
    expect(first.received.map((request) => request.headers.authorization)).toEqual(['Bearer key-of-first']);
    expect(second.received.map((request) => request.headers.authorization)).toEqual(['Bearer key-of-second']);
  });

  test('Anthropic SDK: translated to the anthropic backend with its key', async () => {
    const anthropic = new Anthropic({ apiKey: TEST_KEY, baseURL: baseUrl, maxRetries: 0 });
    const message = await anthropic.messages.create({ model: 'claude-sonnet', max_tokens: 50, messages: [{ role: 'user', content: 'hello there' }] });
    expect(message.content).toEqual([{ type: 'text', text: 'Hello from claude' }]);
    expect(claude.received[0].headers['x-api-key']).toBe('key-of-claude');
  });

  test('the gateway\'s own virtual host keeps answering other hosts as before (Istio\'s catch-all 404)', async () => {
    const response = await new Promise<number>((resolve, reject) => {
      // fetch cannot set Host; a plain request can.
      const request = httpRequest(`${baseUrl}/v1/chat/completions`, { method: 'POST', headers: { host: 'other.example.test', authorization: `Bearer ${TEST_KEY}` } }, (answer) => {
        answer.resume();
        resolve(answer.statusCode ?? 0);
      });
      request.on('error', reject);
      request.end('{"model":"gpt-failover","messages":[]}');
    });
    expect(response).toBe(404);
    expect(first.received).toHaveLength(0);
  });
});
