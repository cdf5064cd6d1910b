import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { callWebhook } from './webhook';
import type { WebhookContext } from './webhook';

const CONTEXT: WebhookContext = { requestId: 'r', caller: 'c', team: 't', project: 'p', model: 'm', api: 'openai-chat', policy: 'default' };

describe('callWebhook', () => {
  let server: Server;
  let base = '';
  const seen: string[] = [];

  beforeAll(async () => {
    // /moved redirects to /allow, which answers "allow" to any method (a followed redirect arrives as a GET).
    server = createServer((request, response) => {
      seen.push(`${request.method ?? ''} ${request.url ?? ''}`);
      request.resume();
      request.on('end', () => {
        if (request.url === '/moved') response.writeHead(302, { location: '/allow' }).end();
        else if (request.url === '/moved-permanently') response.writeHead(308, { location: '/allow' }).end();
        else response.writeHead(200, { 'content-type': 'application/json' }).end('{"action":"allow"}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  beforeEach(() => (seen.length = 0));

  const webhook = (path: string): Parameters<typeof callWebhook>[0] => ({ name: 'hook', url: `${base}${path}`, timeoutMs: 2000, failMode: 'closed' });

  test('an allow answered directly is an allow', async () => {
    expect(await callWebhook(webhook('/allow'), 'request', ['hi'], CONTEXT)).toEqual({ ok: true, verdict: { action: 'allow' } });
  });

  test.each(['/moved', '/moved-permanently'])('a redirect (%s) is a failure, and its target is never called', async (path) => {
    const outcome = await callWebhook(webhook(path), 'request', ['hi'], CONTEXT);
    expect(outcome).toEqual({ ok: false, failure: 'status', detail: `status ${path === '/moved' ? 302 : 308}` });
    expect(seen).toEqual([`POST ${path}`]);
  });
});
