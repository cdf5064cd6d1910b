import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createNodeFetch } from './node-fetch';

describe('node:http fetch for upstream transports', () => {
  let server: Server;
  let base: string;
  const seen: Array<{ method?: string; headers: Record<string, unknown>; body: string }> = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        seen.push({ method: request.method, headers: request.headers, body });
        if (request.url === '/accepted') return void response.writeHead(202).end();
        if (request.url === '/slow') {
          const timer = setTimeout(() => response.writeHead(200).end('late'), 2000);
          response.on('close', () => clearTimeout(timer)); // the client aborted
          return;
        }
        response.writeHead(200, { 'content-type': 'text/event-stream', 'mcp-session-id': 'abc' });
        response.write('event: message\ndata: {"a":1}\n\n');
        response.end('event: message\ndata: {"b":2}\n\n');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test('method, headers and body go out; status, headers and the streamed body come back', async () => {
    const fetchLike = createNodeFetch();
    const response = await fetchLike(`${base}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer x' }, body: '{"jsonrpc":"2.0"}' });
    expect(response.status).toBe(200);
    expect(response.headers.get('mcp-session-id')).toBe('abc');
    expect(await response.text()).toBe('event: message\ndata: {"a":1}\n\nevent: message\ndata: {"b":2}\n\n');
    expect(seen.at(-1)).toMatchObject({ method: 'POST', body: '{"jsonrpc":"2.0"}', headers: { 'content-type': 'application/json', authorization: 'Bearer x', 'content-length': '17' } });
  });

  test('a 202 comes back empty', async () => {
    const response = await createNodeFetch()(`${base}/accepted`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(202);
    expect(await response.text()).toBe('');
  });

  test('an abort signal aborts the request', async () => {
    const controller = new AbortController();
    const pending = createNodeFetch()(`${base}/slow`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });
});
