import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { validateConfig } from '../config/load';
import { compileConfig } from '../config/runtime';
import { Secret } from '../config/secret';
import { adminHttpHandler } from './admin-api';
import { MemoryAdminStore } from './admin-store';
import { keysCall, runKeysCommand } from './keys-command';

describe('aigw keys', () => {
  test('command lines map to admin calls', () => {
    expect(keysCall(['create', '--name', 'svc', '--team', 't', '--project', 'p', '--expires-at', '2030-01-01T00:00:00Z', '--admin', 'http://x'])).toEqual({
      method: 'POST',
      path: '/admin/keys',
      body: { name: 'svc', team: 't', project: 'p', expiresAt: '2030-01-01T00:00:00Z' },
    });
    expect(keysCall(['list'])).toEqual({ method: 'GET', path: '/admin/keys' });
    expect(keysCall(['rotate', 'key_1'])).toEqual({ method: 'POST', path: '/admin/keys/key_1/rotate' });
    expect(keysCall(['revoke', '--admin', 'http://x', 'key_1'])).toEqual({ method: 'DELETE', path: '/admin/keys/key_1' });
    expect(() => keysCall(['create', '--name', 'svc'])).toThrow('missing --team');
    expect(() => keysCall(['revoke'])).toThrow('missing ID for keys revoke');
    expect(() => keysCall(['burn'])).toThrow('unknown keys command burn');
  });

  describe('against a real admin HTTP server', () => {
    let server: Server;
    let admin: string;
    const store = new MemoryAdminStore();

    beforeAll(async () => {
      const config = compileConfig(validateConfig({ backends: [{ name: 'b', kind: 'openai', baseUrl: 'http://127.0.0.1:1/v1' }], models: [{ name: 'm', backends: [{ backend: 'b' }] }] }), {});
      server = createServer(adminHttpHandler({ token: new Secret('tok'), store, audit: { adminChange: () => undefined }, config: () => config }));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      admin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    test('create prints the answer (key included) and a reminder; revoke; a wrong token exits 1', async () => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runKeysCommand(['create', '--name', 'svc', '--team', 't', '--project', 'p', '--admin', admin], { AIGW_ADMIN_TOKEN: 'tok' }, (text) => out.push(text), (text) => err.push(text));
      expect(code).toBe(0);
      const created = JSON.parse(out.join('')) as Record<string, string>;
      expect(created).toMatchObject({ name: 'svc', team: 't', project: 'p', status: 'active', storage: 'memory' });
      expect(created.key).toMatch(/^aigw-/);
      expect(err).toEqual(['aigw keys: the key above is shown once; store it now.\n']);
      out.length = 0;
      expect(await runKeysCommand(['revoke', created.id, '--admin', admin], { AIGW_ADMIN_TOKEN: 'tok' }, (text) => out.push(text), () => undefined)).toBe(0);
      expect(JSON.parse(out.join(''))).toMatchObject({ id: created.id, status: 'revoked' });
      err.length = 0;
      expect(await runKeysCommand(['list', '--admin', admin], { AIGW_ADMIN_TOKEN: 'wrong' }, () => undefined, (text) => err.push(text))).toBe(1);
      expect(err).toEqual(['aigw keys: 403 {"error":{"message":"The admin token is not valid."}}\n']);
      await expect(runKeysCommand(['list'], {}, () => undefined, () => undefined)).rejects.toThrow('set AIGW_ADMIN_TOKEN to the admin token');
    });

    test('the HTTP adapter: invalid JSON → 400, no body read for a refused caller', async () => {
      const bad = await fetch(`${admin}/admin/keys`, { method: 'POST', headers: { authorization: 'Bearer tok' }, body: '{nope' });
      expect([bad.status, await bad.json()]).toEqual([400, { error: { message: 'The body is not valid JSON.' } }]);
      const refused = await fetch(`${admin}/admin/keys`, { method: 'POST', body: 'x'.repeat(100_000) });
      expect(refused.status).toBe(401);
    });
  });
});
