import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GatewayMetrics } from '../telemetry/metrics';
import { createAdminServer } from './admin-server';

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
});
