import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { Stack, TEST_KEY, describeE2E, metricSum } from './harness';

/**
 * Trust boundaries through real Envoy: what a caller's headers can reach, which credential
 * goes where across attempts, what a provider's error can hand back, and where a routing
 * rule may send a request.
 */
describeE2E('trust boundaries', () => {
  let first: FakeProvider;
  let second: FakeProvider;
  let claude: FakeProvider;
  let stack: Stack;
  let client: OpenAI;

  const CUSTOM_KEY = 'custom-header-secret-0001';
  const SECOND_KEY = 'second-backend-key-0002';
  const CLAUDE_KEY = 'claude-backend-key-0003';

  beforeAll(async () => {
    first = await FakeProvider.start({ name: 'first' });
    second = await FakeProvider.start({ name: 'second' });
    claude = await FakeProvider.start({ name: 'claude' });
    stack = await Stack.start({
      env: { CUSTOM_KEY, SECOND_KEY, CLAUDE_KEY },
      config: {
        backends: [
          // A key in a header of the operator's choosing.
          { name: 'custom', kind: 'openai', baseUrl: `${first.url}/v1`, credential: { env: 'CUSTOM_KEY', header: 'x-custom-key', prefix: '' }, forwardHeaders: ['x-tenant'] },
          { name: 'second', kind: 'openai', baseUrl: `${second.url}/v1`, credential: { env: 'SECOND_KEY' } },
          { name: 'claude', kind: 'anthropic', baseUrl: claude.url, credential: { env: 'CLAUDE_KEY' } },
        ],
        models: [
          { name: 'custom-first', backends: [{ backend: 'custom' }, { backend: 'second' }] },
          { name: 'custom-second', backends: [{ backend: 'second' }, { backend: 'custom' }] },
          { name: 'to-claude', backends: [{ backend: 'custom' }, { backend: 'claude', model: 'claude-x' }] },
          { name: 'open', backends: [{ backend: 'second' }] },
          { name: 'restricted', backends: [{ backend: 'second' }] },
        ],
        accessProfiles: { teams: { 'team-e2e': { models: ['custom-first', 'custom-second', 'to-claude', 'open'] } } },
        routing: [{ name: 'big-prompts', match: { model: 'open', headers: { 'x-route': 'big' } }, to: 'restricted' }],
      },
    });
    client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${stack.baseUrl}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await stack?.stop();
    await Promise.all([first?.close(), second?.close(), claude?.close()]);
  });

  beforeEach(() => {
    first.reset();
    second.reset();
    claude.reset();
  });

  const ask = (model: string, headers: Record<string, string> = {}): Promise<unknown> =>
    client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] }, { headers });

  test('a key in a custom header never reaches the next backend of a failover', async () => {
    first.enqueue({ kind: 'json', status: 503, body: { error: { message: 'down', type: 'server_error', param: null, code: null } } });
    await ask('custom-first');
    expect(first.received[0].headers['x-custom-key']).toBe(CUSTOM_KEY);
    expect(second.received).toHaveLength(1);
    expect(second.received[0].headers['x-custom-key']).toBeUndefined();
    expect(second.received[0].headers.authorization).toBe(`Bearer ${SECOND_KEY}`);
  });

  test('and the other way round: the key of the first backend is gone when the custom-header backend serves', async () => {
    second.enqueue({ kind: 'json', status: 503, body: { error: { message: 'down', type: 'server_error', param: null, code: null } } });
    await ask('custom-second');
    expect(second.received[0].headers.authorization).toBe(`Bearer ${SECOND_KEY}`);
    expect(first.received[0].headers.authorization).toBeUndefined();
    expect(first.received[0].headers['x-custom-key']).toBe(CUSTOM_KEY);
  });

  test('failover to another provider: Anthropic gets its own key and nothing of the first attempt', async () => {
    first.enqueue({ kind: 'json', status: 503, body: { error: { message: 'down', type: 'server_error', param: null, code: null } } });
    await ask('to-claude');
    const received = claude.received[0];
    expect(received.path).toBe('/v1/messages');
    expect(received.headers['x-api-key']).toBe(CLAUDE_KEY);
    expect(received.headers['x-custom-key']).toBeUndefined();
    expect(received.headers.authorization).toBeUndefined();
  });

  test('client headers: only the allowed ones reach a provider; forwardHeaders only to their backend', async () => {
    first.enqueue({ kind: 'json', status: 503, body: { error: { message: 'down', type: 'server_error', param: null, code: null } } });
    await ask('custom-first', {
      cookie: 'session=abc',
      'proxy-authorization': 'Basic c2VjcmV0',
      'x-forwarded-for': '10.9.8.7',
      'x-forwarded-host': 'internal.example',
      forwarded: 'for=10.9.8.7',
      'x-internal-token': 'do-not-forward',
      'x-tenant': 'acme',
      'idempotency-key': 'idem-1',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      'openai-organization': 'org-client',
      'x-aigw-direct': 'second',
    });
    for (const received of [first.received[0], second.received[0]]) {
      for (const name of ['cookie', 'proxy-authorization', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'forwarded', 'x-internal-token', 'openai-organization', 'x-aigw-direct', 'x-aigw-team', 'x-request-id-internal']) {
        expect([name, received.headers[name]]).toEqual([name, undefined]);
      }
      expect(received.headers['idempotency-key']).toBe('idem-1');
      expect(received.headers.traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-/);
      expect(Object.keys(received.headers).filter((name) => name.startsWith('x-aigw-') || name.startsWith('x-envoy-'))).toEqual([]);
    }
    // x-tenant is allowed for the custom backend only.
    expect(first.received[0].headers['x-tenant']).toBe('acme');
    expect(second.received[0].headers['x-tenant']).toBeUndefined();
  });

  test("Anthropic's version and beta headers reach Anthropic backends only", async () => {
    const anthropic = new Anthropic({ apiKey: TEST_KEY, baseURL: stack.baseUrl, maxRetries: 0 });
    first.enqueue({ kind: 'json', status: 503, body: { error: { message: 'down', type: 'server_error', param: null, code: null } } });
    await anthropic.messages.create({ model: 'to-claude', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'anthropic-beta': 'tools-2099-01-01' } });
    expect(first.received[0].headers['anthropic-beta']).toBeUndefined();
    expect(first.received[0].headers['anthropic-version']).toBeUndefined();
    expect(claude.received[0].headers['anthropic-beta']).toBe('tools-2099-01-01');
    expect(claude.received[0].headers['anthropic-version']).toBe('2023-06-01');
  });

  test('a provider that echoes the key: redacted from the error body and from response headers', async () => {
    second.enqueue({
      kind: 'json',
      status: 401,
      headers: { 'x-debug-auth': `Bearer ${SECOND_KEY}` },
      body: { error: { message: `Incorrect API key provided: ${SECOND_KEY}.`, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } },
    });
    const response = await stack.post('/v1/chat/completions', { model: 'open', messages: [{ role: 'user', content: 'hi' }] });
    expect(response.status).toBe(401);
    const text = await response.text();
    expect(text).not.toContain(SECOND_KEY);
    expect(JSON.parse(text)).toEqual({ error: { message: 'Incorrect API key provided: [REDACTED].', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
    expect(response.headers.get('x-debug-auth')).toBe('[REDACTED]');
  });

  test('a routing rule cannot open a model outside the caller profile: 403 naming the rule and the model', async () => {
    const response = await stack.post('/v1/chat/completions', { model: 'open', messages: [{ role: 'user', content: 'hi' }] }, { 'x-route': 'big' });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({
      error: {
        message: 'Routing rule `big-prompts` sends this request to model `restricted`: The model `restricted` is not in the access profile of team `team-e2e`.',
        type: 'permission_error',
        param: 'model',
        code: 'model_not_allowed',
      },
    });
    expect(second.received).toHaveLength(0);
  });

  test('a 200 whose body is not an answer is a 502 in the client shape', async () => {
    claude.enqueue({ kind: 'text', status: 200, body: '<html>maintenance</html>', headers: { 'content-type': 'text/html' } });
    first.enqueue({ kind: 'json', status: 503, body: { error: { message: 'down', type: 'server_error', param: null, code: null } } });
    const response = await stack.post('/v1/chat/completions', { model: 'to-claude', messages: [{ role: 'user', content: 'hi' }] });
    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toBe('application/json');
    const body = (await response.json()) as { error: { message: string; type: string } };
    expect(body.error).toMatchObject({ type: 'server_error', message: 'upstream returned a body that is not an Anthropic message' });
    await stack.waitForAccessLog((line) => line.model === 'to-claude' && line.status === 502);
    expect(metricSum(await stack.metricsText(), 'aigw_requests_total', { model: 'to-claude', status: '502' })).toBe(1);
  });

  test('the gRPC socket is owner-only, in an owner-only directory', () => {
    const socket = stack.gateway.grpcAddresses[0].slice('unix:'.length);
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(socket)).mode & 0o077).toBe(0);
  });
});
