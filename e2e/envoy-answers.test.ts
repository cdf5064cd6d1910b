import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { REFUSED_PORT, Stack, TEST_KEY, describeE2E, metricSum, waitFor } from './harness';

/**
 * Every request has exactly one record, whoever answered it: aigw, a provider, or Envoy
 * itself (a refusal route before aigw saw the request, or an end aigw did not see: no
 * healthy backend, a timeout, the ratelimit filter). Envoy's access-log service brings aigw
 * the status, response flags and details of the requests it did not record itself.
 */
describeE2E('requests Envoy answered are recorded once', () => {
  let provider: FakeProvider;
  let stack: Stack;
  let dir: string;
  let auditPath: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aigw-envoy-answers-'));
    auditPath = join(dir, 'audit.jsonl');
    provider = await FakeProvider.start({ name: 'answers' });
    stack = await Stack.start({
      config: {
        backends: [
          { name: 'ok', kind: 'openai', baseUrl: `${provider.url}/v1` },
          { name: 'refused', kind: 'openai', baseUrl: `http://127.0.0.1:${REFUSED_PORT}/v1` },
        ],
        models: [
          { name: 'fine', backends: [{ backend: 'ok' }] },
          { name: 'down', backends: [{ backend: 'refused' }] },
          { name: 'limited', backends: [{ backend: 'ok' }] },
        ],
        limits: { maxRequestBodyBytes: 4096, requestTimeoutSeconds: 1 },
        rateLimits: { descriptors: [{ key: 'metric', value: 'requests', descriptors: [{ key: 'model', value: 'limited', rate_limit: { unit: 'hour', requests_per_unit: 1 } }] }] },
        telemetry: { audit: { path: auditPath } },
      },
    });
  });

  afterAll(async () => {
    await stack?.stop();
    await provider?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const chat = (model: string): Record<string, unknown> => ({ model, messages: [{ role: 'user', content: 'hi' }] });

  async function records(): Promise<Array<Record<string, unknown>>> {
    await stack.gateway.telemetry.audit?.flush();
    return readFileSync(auditPath, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((record) => record.type === 'request');
  }

  async function requestCount(labels: Record<string, string>): Promise<number> {
    return metricSum(await stack.metricsText(), 'aigw_requests_total', labels);
  }

  test('each kind of Envoy answer: one metric sample and one audit record with its flags and details', async () => {
    // Envoy's refusal routes, before aigw sees anything.
    const noKey = await fetch(`${stack.baseUrl}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(chat('fine')) });
    expect(noKey.status).toBe(401);
    const tooLarge = await stack.post('/v1/chat/completions', { ...chat('fine'), padding: 'x'.repeat(5000) });
    expect(tooLarge.status).toBe(413);
    const unknown = await fetch(`${stack.baseUrl}/v1/nothing-here`, { headers: { authorization: `Bearer ${TEST_KEY}` } });
    expect(unknown.status).toBe(404);
    // Ends aigw did not see: no backend reachable, the ratelimit filter, a timeout.
    expect((await stack.post('/v1/chat/completions', chat('down'))).status).toBe(503);
    expect((await stack.post('/v1/chat/completions', chat('limited'))).status).toBe(200);
    expect((await stack.post('/v1/chat/completions', chat('limited'))).status).toBe(429);
    provider.enqueue({ kind: 'hang' });
    expect((await stack.post('/v1/chat/completions', chat('fine'))).status).toBe(504);

    await waitFor(async () => (await records()).length === 7, 15_000);
    const byStatus = Object.fromEntries((await records()).map((record) => [String(record.status), record]));
    expect(Object.keys(byStatus).sort()).toEqual(['200', '401', '404', '413', '429', '503', '504']);
    expect(byStatus['401']).toMatchObject({ model: null, reason: 'direct_response', response_details: 'direct_response' });
    expect(byStatus['413']).toMatchObject({ reason: 'direct_response' });
    // Envoy's flags name the cause: a connect failure, the rate limit, the upstream timeout.
    expect(byStatus['503']).toMatchObject({ model: 'down', caller: 'e2e', team: 'team-e2e' });
    expect(String(byStatus['503'].response_flags)).toContain('UF');
    expect(byStatus['429']).toMatchObject({ model: 'limited', response_flags: 'RL', reason: 'RL' });
    expect(byStatus['504']).toMatchObject({ model: 'fine', response_flags: 'UT', reason: 'UT' });
    expect(byStatus['200']).toMatchObject({ model: 'limited', reason: null });

    // Exactly one request metric each.
    expect(await requestCount({ endpoint: 'openai-chat', model: 'unknown', status: '401' })).toBe(1);
    expect(await requestCount({ endpoint: 'openai-chat', model: 'unknown', status: '413' })).toBe(1);
    expect(await requestCount({ endpoint: 'unknown', model: 'unknown', status: '404' })).toBe(1);
    expect(await requestCount({ model: 'down', status: '503' })).toBe(1);
    expect(await requestCount({ model: 'limited', status: '429' })).toBe(1);
    expect(await requestCount({ model: 'limited', status: '200' })).toBe(1);
    expect(await requestCount({ model: 'fine', status: '504' })).toBe(1);
    expect(metricSum(await stack.metricsText(), 'aigw_requests_total', {})).toBe(7);
  }, 30_000);
});
