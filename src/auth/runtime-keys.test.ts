import { createHash } from 'node:crypto';
import { buildSnapshot, emptyRaw } from '../admin/admin-state';
import { validateConfig } from '../config/load';
import { compileConfig } from '../config/runtime';
import { hashApiKey } from './api-keys';
import { identify } from './identify';
import type { KeyRecord } from './runtime-keys';
import { findRuntimeKey, generateKey, keyDigestHex, keyStatus, keyView } from './runtime-keys';

const T0 = Date.parse('2026-06-01T00:00:00Z');

function record(key: string, extra: Partial<KeyRecord> = {}): KeyRecord {
  return { id: 'key_1', name: 'svc', team: 'research', project: 'alpha', hash: keyDigestHex(key), createdAt: '2026-05-01T00:00:00.000Z', ...extra };
}

describe('runtime keys', () => {
  test('a generated key is aigw- and 32 random bytes in base64url; never the same twice', () => {
    const key = generateKey();
    expect(key).toMatch(/^aigw-[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(key.slice(5), 'base64url')).toHaveLength(32);
    expect(generateKey()).not.toBe(key);
  });

  test('stored as the hex SHA-256 of the key', () => {
    expect(keyDigestHex('aigw-test')).toBe(createHash('sha256').update('aigw-test').digest('hex'));
    expect(keyDigestHex('aigw-test')).toBe(hashApiKey('aigw-test').slice('sha256:'.length));
  });

  test('status: active until expiresAt (exclusive), revoked wins', () => {
    expect(keyStatus({ expiresAt: '2026-06-01T00:00:01.000Z' }, T0)).toBe('active');
    expect(keyStatus({ expiresAt: '2026-06-01T00:00:00.000Z' }, T0)).toBe('expired');
    expect(keyStatus({ expiresAt: '2027-01-01T00:00:00.000Z', revokedAt: '2026-05-30T00:00:00.000Z' }, T0)).toBe('revoked');
    expect(keyStatus({}, T0)).toBe('active');
  });

  test('the view has every field but the hash', () => {
    const view = keyView(record('aigw-a', { user: 'bob' }), T0);
    expect(view).toEqual({ id: 'key_1', name: 'svc', team: 'research', project: 'alpha', user: 'bob', createdAt: '2026-05-01T00:00:00.000Z', status: 'active' });
    expect(JSON.stringify(view)).not.toContain(keyDigestHex('aigw-a'));
  });

  test('found by digest; another key finds nothing', () => {
    const stored = record('aigw-right');
    const byDigest = new Map([[stored.hash, stored]]);
    expect(findRuntimeKey(byDigest, 'aigw-right')).toBe(stored);
    expect(findRuntimeKey(byDigest, 'aigw-wrong')).toBeUndefined();
    expect(findRuntimeKey(byDigest, 'x'.repeat(5000))).toBeUndefined();
  });
});

describe('identify', () => {
  const config = compileConfig(
    validateConfig({
      backends: [{ name: 'b', kind: 'openai', baseUrl: 'http://127.0.0.1:1/v1' }],
      models: [{ name: 'm', backends: [{ backend: 'b' }] }],
      callers: [{ name: 'cfg', keyHash: hashApiKey('sk-config'), team: 't-cfg', project: 'p-cfg' }],
    }),
    {},
  );
  const raw = emptyRaw();
  raw.keys.set('key_a', JSON.stringify(record('aigw-active', { id: 'key_a', user: 'ann' })));
  raw.keys.set('key_r', JSON.stringify(record('aigw-revoked', { id: 'key_r', revokedAt: '2026-05-02T00:00:00.000Z' })));
  raw.keys.set('key_e', JSON.stringify(record('aigw-expired', { id: 'key_e', expiresAt: '2026-05-31T00:00:00.000Z' })));
  const snapshot = buildSnapshot(raw);

  test('config keys and runtime keys', () => {
    expect(identify(config, snapshot, 'sk-config', T0)).toEqual({ caller: 'cfg', team: 't-cfg', project: 'p-cfg', user: undefined });
    expect(identify(config, snapshot, 'aigw-active', T0)).toEqual({ caller: 'svc', team: 'research', project: 'alpha', user: 'ann' });
  });

  test.each([
    ['aigw-revoked', 'This API key has been revoked.'],
    ['aigw-expired', 'This API key has expired.'],
    ['aigw-unknown', 'Incorrect API key provided.'],
    [undefined, "You didn't provide an API key. Send it in an Authorization header as 'Bearer <key>'."],
    // Without jwt configured, a token is just a wrong key.
    ['eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln', 'Incorrect API key provided.'],
  ])('%s → 401', (key, message) => {
    expect(() => identify(config, snapshot, key, T0)).toThrow(expect.objectContaining({ status: 401, message }));
  });
});
