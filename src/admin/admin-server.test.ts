import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../config/load';
import { compileConfig } from '../config/runtime';
import { Secret } from '../config/secret';
import { ToolPins } from '../mcp/tool-pins';
import { Gateway } from '../gateway';
import { silentLogger } from '../telemetry/logger';
import { GatewayMetrics } from '../telemetry/metrics';
import { createAdminServer } from './admin-server';

const ADMIN_TOKEN = 'admin-server-test-token';

/** A gateway with an audit log (holding two requests), admin API on or off, on free ports. */
async function gatewayWithSpend(dir: string, adminApi: boolean): Promise<{ gateway: Gateway; base: string }> {
  const config = compileConfig(
    validateConfig({
      backends: [{ name: 'b', kind: 'openai', baseUrl: 'http://127.0.0.1:1/v1' }],
      models: [{ name: 'm', backends: [{ backend: 'b' }] }],
      telemetry: { audit: { path: join(mkdtempSync(join(dir, 'gateway-')), 'audit.jsonl') } },
      ...(adminApi ? { admin: { token: { env: 'AIGW_ADMIN_TOKEN' }, store: 'memory' } } : {}),
    }),
    { AIGW_ADMIN_TOKEN: ADMIN_TOKEN },
  );
  const gateway = await Gateway.start({ config, logger: silentLogger, metrics: new GatewayMetrics({ defaultMetrics: false }), grpcAddresses: ['127.0.0.1:0'], adminAddress: '127.0.0.1:0', env: {} });
  gateway.telemetry.audit?.write({ type: 'request', time: '2026-12-01T10:00:00.000Z', team: 'red', cost_usd: 0.25, tokens: { input: 10, output: 5, total: 15 } });
  gateway.telemetry.audit?.write({ type: 'request', time: '2026-12-01T11:00:00.000Z', team: 'blue', cost_usd: 0.5, tokens: { input: 20, output: 10, total: 30 } });
  return { gateway, base: `http://127.0.0.1:${gateway.adminPort}` };
}

/** Status, the headers a refusal sets, and the JSON body. */
async function answer(url: string, authorization?: string): Promise<{ status: number; type: string | null; authenticate: string | null; body: unknown }> {
  const response = await fetch(url, { headers: authorization ? { authorization } : {} });
  return { status: response.status, type: response.headers.get('content-type'), authenticate: response.headers.get('www-authenticate'), body: await response.json() };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('admin server and the admin API', () => {
  test('without admin.token, /admin/ paths answer 404 saying the API is off; health still works', async () => {
    const server = createAdminServer(new GatewayMetrics({ defaultMetrics: false }), { ready: () => true });
    const base = await listen(server);
    const off = await fetch(`${base}/admin/keys`, { method: 'POST', headers: { authorization: 'Bearer x' }, body: '{}' });
    expect([off.status, await off.json()]).toEqual([404, { error: { message: 'The admin API is off: set admin.token in the config to turn it on.' } }]);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    await new Promise((resolve) => server.close(resolve));
  });

  test('with it, /admin/ paths go to the admin handler, any method', async () => {
    const seen: string[] = [];
    const server = createAdminServer(new GatewayMetrics({ defaultMetrics: false }), { ready: () => true }, (request, response) => {
      seen.push(`${request.method} ${request.url}`);
      response.writeHead(204).end();
    });
    const base = await listen(server);
    expect((await fetch(`${base}/admin/keys/key_1`, { method: 'DELETE' })).status).toBe(204);
    expect(seen).toEqual(['DELETE /admin/keys/key_1']);
    await new Promise((resolve) => server.close(resolve));
  });

  test('POST /admin/mcp/tools/approve: served with the MCP gateway (its own token), else the admin API\'s path', async () => {
    const seen: string[] = [];
    const adminApi = (request: IncomingMessage, response: ServerResponse): void => {
      seen.push(`${request.method} ${request.url}`);
      response.writeHead(404).end();
    };
    const pins = new ToolPins('enforce');
    await pins.observe('docs', [{ name: 'fetch', hash: 'a'.repeat(64) }]);
    await pins.observe('docs', [{ name: 'fetch', hash: 'b'.repeat(64) }]);
    const server = createAdminServer(new GatewayMetrics({ defaultMetrics: false }), { ready: () => true, mcpApprovals: { pins, adminToken: new Secret('mcp-token'), logger: silentLogger } }, adminApi);
    const base = await listen(server);
    const approve = (authorization: string, method = 'POST'): Promise<Response> =>
      fetch(`${base}/admin/mcp/tools/approve`, { method, headers: { authorization }, body: method === 'POST' ? JSON.stringify({ server: 'docs', tool: 'fetch' }) : undefined });
    expect((await approve('Bearer wrong')).status).toBe(401);
    const wrongMethod = await approve('Bearer mcp-token', 'PUT');
    expect([wrongMethod.status, wrongMethod.headers.get('allow')]).toEqual([405, 'POST']);
    const approved = await approve('Bearer mcp-token');
    expect([approved.status, await approved.json()]).toEqual([200, { server: 'docs', tool: 'fetch', approved: 'b'.repeat(64) }]);
    expect(seen).toEqual([]);
    await new Promise((resolve) => server.close(resolve));

    const withoutMcp = createAdminServer(new GatewayMetrics({ defaultMetrics: false }), { ready: () => true }, adminApi);
    const other = await listen(withoutMcp);
    expect((await fetch(`${other}/admin/mcp/tools/approve`, { method: 'POST', body: '{}' })).status).toBe(404);
    expect(seen).toEqual(['POST /admin/mcp/tools/approve']);
    await new Promise((resolve) => withoutMcp.close(resolve));
  });

  describe('GET /spend', () => {
    let dir: string;
    beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'aigw-admin-spend-'))));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    test('needs the admin token, refused exactly as /admin/spend is; /metrics, /healthz and /readyz stay open', async () => {
      const { gateway, base } = await gatewayWithSpend(dir, true);
      try {
        const missing = await answer(`${base}/spend?by=team`);
        expect(missing).toEqual(await answer(`${base}/admin/spend?by=team`));
        expect(missing).toMatchObject({ status: 401, authenticate: 'Bearer', body: { error: { message: 'Send the admin token in an Authorization header as "Bearer <token>".' } } });
        const wrong = await answer(`${base}/spend?by=team`, 'Bearer not-the-token');
        expect(wrong).toEqual(await answer(`${base}/admin/spend?by=team`, 'Bearer not-the-token'));
        expect(wrong).toMatchObject({ status: 403, body: { error: { message: 'The admin token is not valid.' } } });
        expect((await answer(`${base}/spend?by=team`, 'Basic not-bearer')).status).toBe(401);
        for (const open of ['/metrics', '/healthz', '/readyz']) expect([open, (await fetch(`${base}${open}`)).status]).toEqual([open, 200]);
      } finally {
        await gateway.stop(0);
      }
    });

    test('with the token: the same report as before, by group, as aigw spend --json gives', async () => {
      const { gateway, base } = await gatewayWithSpend(dir, true);
      try {
        const response = await fetch(`${base}/spend?by=team&since=2026-12-01`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toBe('application/json');
        expect(await response.text()).toBe(
          `${JSON.stringify({
            by: 'team',
            since: '2026-12-01T00:00:00.000Z',
            until: null,
            rows: [
              { group: 'blue', requests: 1, inputTokens: 20, outputTokens: 10, totalTokens: 30, costUsd: 0.5 },
              { group: 'red', requests: 1, inputTokens: 10, outputTokens: 5, totalTokens: 15, costUsd: 0.25 },
            ],
            total: { requests: 2, inputTokens: 30, outputTokens: 15, totalTokens: 45, costUsd: 0.75 },
          })}\n`,
        );
        const bad = await answer(`${base}/spend?by=planet`, `Bearer ${ADMIN_TOKEN}`);
        expect([bad.status, bad.body]).toEqual([400, { error: { message: 'by must be one of team, project, key, model' } }]);
      } finally {
        await gateway.stop(0);
      }
    });

    test('without an admin API (no admin.token) /spend is off, like /admin/spend', async () => {
      const { gateway, base } = await gatewayWithSpend(dir, false);
      try {
        const off = await answer(`${base}/spend`, `Bearer ${ADMIN_TOKEN}`);
        expect(off).toEqual(await answer(`${base}/admin/spend`, `Bearer ${ADMIN_TOKEN}`));
        expect([off.status, off.body]).toEqual([404, { error: { message: 'The admin API is off: set admin.token in the config to turn it on.' } }]);
        expect((await fetch(`${base}/metrics`)).status).toBe(200);
      } finally {
        await gateway.stop(0);
      }
    });
  });
});
