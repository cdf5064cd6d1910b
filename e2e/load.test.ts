import { Agent, request } from 'node:http';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { Stack, TEST_KEY, describeE2E } from './harness';

/**
 * Many requests over Envoy's one HTTP/2 connection to aigw. Envoy resets finished ext_proc
 * streams and Node drops a connection after ~1,000 resets; the rendered cluster rolls
 * connections over first, so no request may fail.
 */
describeE2E('sustained load', () => {
  let provider: FakeProvider;
  let stack: Stack;

  beforeAll(async () => {
    provider = await FakeProvider.start({ name: 'load' });
    stack = await Stack.start({
      config: { backends: [{ name: 'p', kind: 'openai', baseUrl: `${provider.url}/v1` }], models: [{ name: 'm', backends: [{ backend: 'p' }] }] },
    });
  });

  afterAll(async () => {
    await stack?.stop();
    await provider?.close();
  });

  test('2,500 requests, 16 at a time: every one succeeds', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    const statuses = new Map<number, number>();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < 2500) {
        next++;
        const status = await new Promise<number>((resolve) => {
          const outgoing = request(`${stack.baseUrl}/v1/chat/completions`, {
            method: 'POST',
            agent,
            headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          });
          outgoing.on('response', (response) => {
            response.resume();
            response.on('end', () => resolve(response.statusCode ?? 0));
          });
          outgoing.on('error', () => resolve(-1));
          outgoing.end(body);
        });
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (next % 500 === 0) provider.reset();
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    agent.destroy();
    expect(Object.fromEntries(statuses)).toEqual({ 200: 2500 });
    // One stream per request (the first attempt needs no per-attempt stream), at most 500 per
    // connection: Envoy opened fresh ones.
    expect(await stack.envoy.stat('cluster.aigw_extproc.upstream_rq_total')).toBe(2500);
    expect(await stack.envoy.stat('cluster.aigw_extproc.upstream_cx_total')).toBeGreaterThanOrEqual(5);
  }, 60000);
});
