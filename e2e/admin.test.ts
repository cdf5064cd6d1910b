import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { RedisServer } from '../src/testing/redis-server';
import { Stack, TEST_KEY, adminCall, describeE2E } from './harness';

const ADMIN_TOKEN = 'e2e-admin-token-0123456789';
const MESSAGES = [{ role: 'user' as const, content: 'hello there' }];

/** Two models on one fake backend; the admin API on, its records in the shared Redis. */
function config(redisUrl: string, providerUrl: string): Record<string, unknown> {
  return {
    backends: [{ name: 'fake', kind: 'openai', baseUrl: `${providerUrl}/v1` }],
    models: [
      { name: 'chat-small', backends: [{ backend: 'fake' }] },
      { name: 'chat-large', backends: [{ backend: 'fake' }] },
    ],
    admin: { token: { env: 'AIGW_ADMIN_TOKEN' }, store: { redis: { url: redisUrl, keyPrefix: 'e2e-admin' } } },
  };
}

/** Calls one gateway's admin API. */
function admin(stack: Stack, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  return adminCall(stack, ADMIN_TOKEN, method, path, body);
}

async function chatStatus(client: OpenAI, model = 'chat-small'): Promise<number> {
  return client.chat.completions.create({ model, max_tokens: 5, messages: MESSAGES }).then(
    () => 200,
    (error: unknown) => (error instanceof OpenAI.APIError ? (error.status ?? 0) : -1),
  );
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

/**
 * The admin API through two Envoy + aigw pairs sharing one Redis: keys created on one work
 * on both, a revocation reaches the other within a second, and the catalog and team profiles
 * change what callers may use without a restart.
 */
describeE2E('admin API across a fleet', () => {
  let redis: RedisServer;
  let provider: FakeProvider;
  let first: Stack;
  let second: Stack;
  const env = { ...process.env, AIGW_ADMIN_TOKEN: ADMIN_TOKEN };
  const clientFor = (stack: Stack, key: string): OpenAI => new OpenAI({ apiKey: key, baseURL: `${stack.baseUrl}/v1`, maxRetries: 0 });

  beforeAll(async () => {
    redis = await RedisServer.start();
    provider = await FakeProvider.start({ name: 'fleet' });
    first = await Stack.start({ config: config(redis.url, provider.url), env });
    second = await Stack.start({ config: config(redis.url, provider.url), env });
  });

  afterAll(async () => {
    await Promise.all([first?.stop(), second?.stop()]);
    await provider?.close();
    await redis?.stop();
  });

  test('a key created through the admin API works on the next request (official openai SDK), attributed to its team and project', async () => {
    const created = await admin(first, 'POST', '/admin/keys', { name: 'svc-new', team: 'research', project: 'alpha', user: 'ann' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'svc-new', team: 'research', project: 'alpha', user: 'ann', status: 'active', storage: 'redis' });
    const key = created.body.key as string;
    const completion = await clientFor(first, key).chat.completions.create({ model: 'chat-small', max_tokens: 5, messages: MESSAGES });
    expect(completion.choices[0].message.content).toBe('Hello from fleet');
    const entry = await first.waitForAccessLog((line) => line.caller === 'svc-new');
    expect(entry).toMatchObject({ status: 200, model: 'chat-small', team: 'research', project: 'alpha' });
    // Identity headers are for Envoy only: the provider never sees them, nor the client's key.
    const upstream = provider.received[provider.received.length - 1];
    expect(Object.keys(upstream.headers).filter((name) => name.startsWith('x-aigw-'))).toEqual([]);
    expect(upstream.headers.authorization).toBeUndefined();
  });

  test('a key revoked on one instance gets 401 on the second instance (and its Envoy) within one second', async () => {
    const created = await admin(first, 'POST', '/admin/keys', { name: 'svc-revoked', team: 'research', project: 'alpha' });
    const key = created.body.key as string;
    const onSecond = clientFor(second, key);
    // The second instance learns of the new key through Redis too.
    const deadline = Date.now() + 1000;
    while ((await chatStatus(onSecond)) !== 200 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await chatStatus(onSecond)).toBe(200);

    expect(await admin(first, 'DELETE', `/admin/keys/${created.body.id as string}`)).toMatchObject({ status: 200, body: { status: 'revoked' } });
    const revokedAt = Date.now();
    let status = await chatStatus(onSecond);
    while (status !== 401 && Date.now() - revokedAt < 2000) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      status = await chatStatus(onSecond);
    }
    expect(status).toBe(401);
    expect(Date.now() - revokedAt).toBeLessThan(1000);
    const error = await caught(onSecond.chat.completions.create({ model: 'chat-small', messages: MESSAGES }));
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as InstanceType<typeof OpenAI.AuthenticationError>).error).toEqual({ message: 'This API key has been revoked.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' });
  });

  test('a key with an expiry works until then and gets 401 after (both client shapes)', async () => {
    const expiresAt = new Date(Date.now() + 1500).toISOString();
    const created = await admin(first, 'POST', '/admin/keys', { name: 'svc-expiring', team: 'research', project: 'alpha', expiresAt });
    expect(created.body).toMatchObject({ expiresAt, status: 'active' });
    const key = created.body.key as string;
    expect(await chatStatus(clientFor(first, key))).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, Date.parse(expiresAt) - Date.now() + 50));
    const error = await caught(clientFor(first, key).chat.completions.create({ model: 'chat-small', messages: MESSAGES }));
    expect((error as InstanceType<typeof OpenAI.AuthenticationError>).error).toEqual({ message: 'This API key has expired.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' });
    const anthropic = new Anthropic({ apiKey: key, baseURL: first.baseUrl, maxRetries: 0 });
    const refused = await caught(anthropic.messages.create({ model: 'chat-small', max_tokens: 5, messages: MESSAGES }));
    expect(refused).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((refused as InstanceType<typeof Anthropic.AuthenticationError>).error).toEqual({ type: 'error', error: { type: 'authentication_error', message: 'This API key has expired.' } });
    expect((await admin(first, 'GET', `/admin/keys/${created.body.id as string}`)).body.status).toBe('expired');
  });

  test('rotation: the new key works, the old one gets 401', async () => {
    const created = await admin(first, 'POST', '/admin/keys', { name: 'svc-rotated', team: 'research', project: 'alpha' });
    const rotated = await admin(first, 'POST', `/admin/keys/${created.body.id as string}/rotate`);
    expect(rotated.status).toBe(200);
    expect(await chatStatus(clientFor(first, rotated.body.key as string))).toBe(200);
    expect(await chatStatus(clientFor(first, created.body.key as string))).toBe(401);
  });

  test('a model disabled at runtime gets 403 in the OpenAI and the Anthropic shape, and leaves /v1/models', async () => {
    expect(await admin(first, 'PUT', '/admin/models/chat-large', { enabled: false })).toMatchObject({ status: 200, body: { name: 'chat-large', enabled: false } });
    const openai = clientFor(first, TEST_KEY);
    const error = await caught(openai.chat.completions.create({ model: 'chat-large', messages: MESSAGES }));
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((error as InstanceType<typeof OpenAI.PermissionDeniedError>).error).toEqual({
      message: 'The model `chat-large` is disabled on this gateway.',
      type: 'permission_error',
      param: 'model',
      code: 'model_disabled',
    });
    const anthropic = new Anthropic({ apiKey: TEST_KEY, baseURL: first.baseUrl, maxRetries: 0 });
    const refused = await caught(anthropic.messages.create({ model: 'chat-large', max_tokens: 5, messages: MESSAGES }));
    expect(refused).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect((refused as InstanceType<typeof Anthropic.PermissionDeniedError>).error).toEqual({ type: 'error', error: { type: 'permission_error', message: 'The model `chat-large` is disabled on this gateway.' } });
    // A model that does not exist keeps its 404.
    expect(await chatStatus(openai, 'no-such-model')).toBe(404);
    expect((await openai.models.list()).data.map((model) => model.id)).toEqual(['chat-small']);
    // The other instance sees the change too, and re-enabling restores it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await chatStatus(clientFor(second, TEST_KEY), 'chat-large')).toBe(403);
    await admin(first, 'PUT', '/admin/models/chat-large', { enabled: true });
    expect(await chatStatus(openai, 'chat-large')).toBe(200);
  });

  test("a team profile hides a model from /v1/models and refuses it with 403", async () => {
    const created = await admin(first, 'POST', '/admin/keys', { name: 'svc-profiled', team: 'limited', project: 'alpha' });
    const client = clientFor(first, created.body.key as string);
    expect((await client.models.list()).data.map((model) => model.id)).toEqual(['chat-small', 'chat-large']);
    expect(await admin(first, 'PUT', '/admin/teams/limited/profile', { models: ['chat-small'] })).toMatchObject({ status: 200, body: { team: 'limited', models: ['chat-small'], source: 'admin' } });
    expect((await client.models.list()).data.map((model) => model.id)).toEqual(['chat-small']);
    const error = await caught(client.chat.completions.create({ model: 'chat-large', messages: MESSAGES }));
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((error as InstanceType<typeof OpenAI.PermissionDeniedError>).error).toMatchObject({ message: 'The model `chat-large` is not in the access profile of team `limited`.', code: 'model_not_allowed' });
    expect(await chatStatus(client, 'chat-small')).toBe(200);
    // Other teams are not affected.
    expect((await clientFor(first, TEST_KEY).models.list()).data.map((model) => model.id)).toEqual(['chat-small', 'chat-large']);
  });

  test('the admin API needs the admin token', async () => {
    const response = await fetch(`http://127.0.0.1:${first.gateway.adminPort}/admin/keys`, { headers: { authorization: `Bearer ${TEST_KEY}` } });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ error: { message: 'The admin token is not valid.' } });
    const listed = await admin(first, 'GET', '/admin/keys');
    expect(JSON.stringify(listed.body)).not.toMatch(/aigw-[A-Za-z0-9_-]{43}/);
  });
});
