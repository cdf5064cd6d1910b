import { validateConfig } from '../config/load';
import { compileConfig } from '../config/runtime';
import { Secret } from '../config/secret';
import { hashApiKey } from '../auth/api-keys';
import { keyDigestHex } from '../auth/runtime-keys';
import type { AdminApiOptions } from './admin-api';
import { adminCall } from './admin-api';
import type { AdminResponse } from './admin-router';
import { matchPath, tokenMatches } from './admin-router';
import { MemoryAdminStore } from './admin-store';
import type { AdminChangeRecord } from './audit-sink';
import { ADMIN_OPENAPI } from './openapi';

const TOKEN = 'admin-secret-token';
const T0 = Date.parse('2026-06-01T00:00:00Z');
const config = compileConfig(
  validateConfig({
    backends: [{ name: 'b', kind: 'openai', baseUrl: 'http://127.0.0.1:1/v1' }],
    models: [
      { name: 'small', backends: [{ backend: 'b' }] },
      { name: 'large', backends: [{ backend: 'b' }] },
    ],
    callers: [{ name: 'cfg', keyHash: hashApiKey('sk-config'), team: 't', project: 'p' }],
    accessProfiles: { teams: { research: { models: ['small'] } } },
  }),
  {},
);

function setup(): { options: AdminApiOptions; audit: AdminChangeRecord[]; call(method: string, path: string, body?: unknown): Promise<AdminResponse> } {
  const audit: AdminChangeRecord[] = [];
  const options: AdminApiOptions = { token: new Secret(TOKEN), store: new MemoryAdminStore(), audit: { adminChange: (record) => audit.push(record) }, config: () => config, now: () => T0 };
  return { options, audit, call: (method, path, body) => adminCall(options, { method, path, authorization: `Bearer ${TOKEN}`, body }) };
}

const MEMORY_WARNING = { 'x-aigw-warning': 'admin store is memory: changes live in this aigw process only and are lost on restart' };

describe('admin API: authentication and routing', () => {
  test('no token → 401, wrong token → 403, unknown path → 404, wrong method → 405', async () => {
    const { options } = setup();
    expect(await adminCall(options, { method: 'GET', path: '/admin/keys' })).toEqual({
      status: 401,
      body: { error: { message: 'Send the admin token in an Authorization header as "Bearer <token>".' } },
      headers: { 'www-authenticate': 'Bearer' },
    });
    expect(await adminCall(options, { method: 'GET', path: '/admin/keys', authorization: 'Bearer nope' })).toEqual({ status: 403, body: { error: { message: 'The admin token is not valid.' } } });
    expect(await adminCall(options, { method: 'GET', path: '/admin/nothing', authorization: `Bearer ${TOKEN}` })).toEqual({ status: 404, body: { error: { message: 'No admin endpoint at /admin/nothing.' } } });
    expect(await adminCall(options, { method: 'PATCH', path: '/admin/keys', authorization: `Bearer ${TOKEN}` })).toEqual({
      status: 405,
      body: { error: { message: 'PATCH is not allowed on /admin/keys; use POST, GET.' } },
      headers: { allow: 'POST, GET' },
    });
  });

  test('tokenMatches: Bearer only; no configured token refuses everything', () => {
    expect([tokenMatches(new Secret('a'), 'Bearer a'), tokenMatches(new Secret('a'), 'bearer a'), tokenMatches(new Secret('a'), 'Basic a'), tokenMatches(undefined, 'Bearer a')]).toEqual(['ok', 'ok', 'missing', 'wrong']);
  });

  test('matchPath decodes params', () => {
    expect(matchPath('/admin/teams/{team}/limits', '/admin/teams/r%26d/limits')).toEqual({ team: 'r&d' });
    expect(matchPath('/admin/teams/{team}/limits', '/admin/teams/a/b/limits')).toBeUndefined();
  });
});

describe('admin API: keys', () => {
  test('create shows the key once, stores only its hash, and audits without secrets', async () => {
    const { call, options, audit } = setup();
    const created = await call('POST', '/admin/keys', { name: 'svc', team: 'research', project: 'alpha', user: 'ann', expiresAt: '2026-07-01T00:00:00Z' });
    expect(created.status).toBe(201);
    expect(created.headers).toEqual(MEMORY_WARNING);
    const body = created.body as Record<string, string>;
    expect(body).toEqual({
      id: expect.stringMatching(/^key_[A-Za-z0-9_-]{12}$/),
      key: expect.stringMatching(/^aigw-[A-Za-z0-9_-]{43}$/),
      name: 'svc',
      team: 'research',
      project: 'alpha',
      user: 'ann',
      createdAt: '2026-06-01T00:00:00.000Z',
      expiresAt: '2026-07-01T00:00:00.000Z',
      status: 'active',
      storage: 'memory',
    });
    expect(options.store.current().keys.get(body.id)?.hash).toBe(keyDigestHex(body.key));
    expect(audit).toEqual([{ action: 'key.create', target: body.id, actor: 'admin-token', details: { name: 'svc', team: 'research', project: 'alpha', user: 'ann', expiresAt: '2026-07-01T00:00:00.000Z' } }]);
    const listed = await call('GET', '/admin/keys');
    expect(JSON.stringify(listed.body)).not.toContain(body.key);
    expect(JSON.stringify(listed.body)).not.toContain(keyDigestHex(body.key));
    const expected: Record<string, string> = { ...body };
    delete expected.key;
    delete expected.storage;
    expect(listed.body).toEqual({ data: [expected], storage: 'memory' });
  });

  test('validation errors list every field', async () => {
    const { call } = setup();
    expect(await call('POST', '/admin/keys', { name: 'bad name', project: 'p', extra: 1 })).toEqual({
      status: 400,
      body: { error: { message: 'Invalid request body: name: must be 1-63 letters, digits, "_", "." or "-"; team: Invalid input: expected string, received undefined; unknown field(s): extra.' } },
    });
    expect(await call('POST', '/admin/keys')).toEqual({ status: 400, body: { error: { message: 'The request needs a JSON body.' } } });
    expect(await call('POST', '/admin/keys', { name: 'a', team: 't', project: 'p', expiresAt: 'tomorrow' })).toEqual({
      status: 400,
      body: { error: { message: 'Invalid request body: expiresAt: must be an ISO 8601 date-time such as 2027-01-31T00:00:00Z.' } },
    });
    expect(await call('POST', '/admin/keys', { name: 'a', team: 't', project: 'p', expiresAt: '2026-05-01T00:00:00Z' })).toEqual({ status: 400, body: { error: { message: 'Invalid request body: expiresAt: must be in the future.' } } });
  });

  test('a caller name in use (config or live key) → 409', async () => {
    const { call } = setup();
    expect((await call('POST', '/admin/keys', { name: 'cfg', team: 't', project: 'p' })).status).toBe(409);
    expect((await call('POST', '/admin/keys', { name: 'svc', team: 't', project: 'p' })).status).toBe(201);
    expect(await call('POST', '/admin/keys', { name: 'svc', team: 't', project: 'p' })).toEqual({ status: 409, body: { error: { message: 'The caller name "svc" is already in use by a live key.' } } });
  });

  test('rotate gives a new key and replaces the hash; revoke is idempotent; a revoked key cannot be rotated', async () => {
    const { call, options, audit } = setup();
    const created = (await call('POST', '/admin/keys', { name: 'svc', team: 't', project: 'p' })).body as Record<string, string>;
    const rotated = await call('POST', `/admin/keys/${created.id}/rotate`);
    const newKey = (rotated.body as Record<string, string>).key;
    expect(rotated).toMatchObject({ status: 200, body: { id: created.id, status: 'active', rotatedAt: '2026-06-01T00:00:00.000Z' } });
    expect(newKey).not.toBe(created.key);
    expect(options.store.current().keysByDigest.has(keyDigestHex(created.key))).toBe(false);
    expect(options.store.current().keysByDigest.get(keyDigestHex(newKey))?.id).toBe(created.id);
    expect(await call('DELETE', `/admin/keys/${created.id}`)).toMatchObject({ status: 200, body: { status: 'revoked', revokedAt: '2026-06-01T00:00:00.000Z' } });
    expect(await call('DELETE', `/admin/keys/${created.id}`)).toMatchObject({ status: 200, body: { status: 'revoked' } });
    expect(await call('POST', `/admin/keys/${created.id}/rotate`)).toEqual({ status: 409, body: { error: { message: `Key "${created.id}" is revoked; create a new one.` } } });
    expect(audit.map((record) => record.action)).toEqual(['key.create', 'key.rotate', 'key.revoke']);
    expect(JSON.stringify(audit)).not.toContain(newKey);
    expect(await call('GET', '/admin/keys/key_missing')).toEqual({ status: 404, body: { error: { message: 'No key with id "key_missing".' } } });
  });

  test('key limits: set, read, validated, 404 for an unknown key', async () => {
    const { call } = setup();
    const created = (await call('POST', '/admin/keys', { name: 'svc', team: 't', project: 'p' })).body as Record<string, string>;
    expect(await call('GET', `/admin/keys/${created.id}/limits`)).toEqual({ status: 200, body: { id: created.id, limits: {}, enforced: false, storage: 'memory' }, headers: MEMORY_WARNING });
    const limits = { tokensPerMinute: 1000, tokensPerDay: 50000, requestsPerMinute: 10, usdPerDay: 5, usdPerMonth: 100 };
    expect(await call('PUT', `/admin/keys/${created.id}/limits`, limits)).toMatchObject({ status: 200, body: { id: created.id, limits } });
    expect(await call('GET', `/admin/keys/${created.id}/limits`)).toMatchObject({ body: { limits } });
    expect(await call('PUT', `/admin/keys/${created.id}/limits`, { tokensPerMinute: -1 })).toEqual({ status: 400, body: { error: { message: 'Invalid request body: tokensPerMinute: Too small: expected number to be >0.' } } });
    expect((await call('PUT', '/admin/keys/key_none/limits', limits)).status).toBe(404);
  });
});

describe('admin API: catalog, profiles, team limits', () => {
  test('enable/disable a model; unknown model → 404', async () => {
    const { call, audit } = setup();
    expect(await call('GET', '/admin/models')).toMatchObject({ status: 200, body: { data: [{ name: 'small', enabled: true }, { name: 'large', enabled: true }] } });
    expect(await call('PUT', '/admin/models/small', { enabled: false })).toMatchObject({ status: 200, body: { name: 'small', enabled: false } });
    expect(await call('GET', '/admin/models/small')).toMatchObject({ body: { name: 'small', enabled: false } });
    expect(await call('PUT', '/admin/models/nope', { enabled: false })).toEqual({ status: 404, body: { error: { message: 'No model "nope" in the catalog.' } } });
    expect((await call('PUT', '/admin/models/small', { enabled: 'no' })).status).toBe(400);
    expect(audit).toEqual([{ action: 'model.update', target: 'small', actor: 'admin-token', details: { enabled: false } }]);
  });

  test("team profile: config's until set, the admin's after, config's again once deleted", async () => {
    const { call } = setup();
    expect(await call('GET', '/admin/teams/research/profile')).toMatchObject({ body: { team: 'research', models: ['small'], source: 'config' } });
    expect(await call('GET', '/admin/teams/ops/profile')).toMatchObject({ body: { team: 'ops', models: null, source: 'none' } });
    expect(await call('PUT', '/admin/teams/research/profile', { models: ['large'] })).toMatchObject({ status: 200, body: { models: ['large'], source: 'admin' } });
    expect(await call('PUT', '/admin/teams/research/profile', { models: ['large', 'ghost'] })).toEqual({ status: 400, body: { error: { message: 'Invalid request body: models: not in the catalog: ghost.' } } });
    expect(await call('DELETE', '/admin/teams/research/profile')).toMatchObject({ body: { models: ['small'], source: 'config' } });
  });

  test('team limits', async () => {
    const { call } = setup();
    expect(await call('PUT', '/admin/teams/research/limits', { usdPerMonth: 250 })).toMatchObject({ status: 200, body: { team: 'research', limits: { usdPerMonth: 250 } } });
    expect(await call('GET', '/admin/teams/research/limits')).toMatchObject({ body: { team: 'research', limits: { usdPerMonth: 250 } } });
    expect(await call('PUT', '/admin/teams/research/limits', { usdPerYear: 1 })).toEqual({ status: 400, body: { error: { message: 'Invalid request body: unknown field(s): usdPerYear.' } } });
  });
});

describe('OpenAPI description', () => {
  // Every route described, and nothing else: src/admin/openapi.test.ts (with the admin server's own routes).
  test('served as is at /admin/openapi.json', async () => {
    const { call } = setup();
    const answer = await call('GET', '/admin/openapi.json');
    expect(answer.status).toBe(200);
    expect(answer.body).toBe(ADMIN_OPENAPI);
    expect(ADMIN_OPENAPI.openapi).toBe('3.1.0');
  });
});
