import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drainEnvoy } from './drain-envoy';

/** A stand-in for Envoy's admin: records each call, reports `active` requests until told otherwise. */
async function fakeAdmin(activeAnswers: number[]): Promise<{ server: Server; address: string; calls: string[] }> {
  const calls: string[] = [];
  const server = createServer((request, response) => {
    calls.push(`${request.method} ${request.url?.startsWith('/stats') ? '/stats' : request.url}`);
    if (request.url?.startsWith('/stats')) {
      const value = activeAnswers.length > 1 ? activeAnswers.shift() : activeAnswers[0];
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ stats: [{ name: 'http.aigw.downstream_rq_active', value }] }));
      return;
    }
    response.writeHead(200).end('OK\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { server, address: `127.0.0.1:${port}`, calls };
}

describe('drainEnvoy (a pod preStop hook)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'drain-envoy-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('fails health checks, drains gracefully, closes the listeners, waits for requests in flight, then writes the done file', async () => {
    const admin = await fakeAdmin([2, 1, 0]);
    const doneFile = join(dir, 'envoy-drained');
    writeFileSync(doneFile, 'left by an earlier drain\n');
    const lines: string[] = [];
    try {
      const left = await drainEnvoy({ admin: admin.address, acceptSeconds: 0.2, drainSeconds: 5, doneFile, log: (line) => lines.push(line) });
      expect(left).toBe(0);
      expect(admin.calls).toEqual(['POST /healthcheck/fail', 'POST /drain_listeners?graceful', 'POST /drain_listeners', 'GET /stats', 'GET /stats', 'GET /stats']);
      expect(lines).toEqual(['aigw drain-envoy: draining; accepting for 0.2s more', 'aigw drain-envoy: Envoy drained']);
      expect(readFileSync(doneFile, 'utf8')).toMatch(/^\d{4}-\d{2}-\d{2}T.*Z\n$/);
    } finally {
      admin.server.close();
    }
  });

  test('at the deadline: the requests still in flight, and the done file all the same', async () => {
    const admin = await fakeAdmin([3]);
    const doneFile = join(dir, 'envoy-drained');
    const lines: string[] = [];
    try {
      const started = Date.now();
      expect(await drainEnvoy({ admin: admin.address, acceptSeconds: 0, drainSeconds: 0.5, doneFile, log: (line) => lines.push(line) })).toBe(3);
      expect(Date.now() - started).toBeGreaterThanOrEqual(450);
      expect(lines[1]).toBe('aigw drain-envoy: drain deadline passed with 3 requests in flight');
      expect(existsSync(doneFile)).toBe(true);
    } finally {
      admin.server.close();
    }
  });

  test('Envoy unreachable: the error, and the done file so that the Envoy container stops waiting', async () => {
    const doneFile = join(dir, 'envoy-drained');
    await expect(drainEnvoy({ admin: '127.0.0.1:1', acceptSeconds: 0, drainSeconds: 1, doneFile, log: () => undefined })).rejects.toThrow('fetch failed');
    expect(existsSync(doneFile)).toBe(true);
  });
});
