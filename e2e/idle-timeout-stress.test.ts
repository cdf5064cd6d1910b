import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { Stack, describeE2E, metricSum, metricValue, waitFor } from './harness';

const CONCURRENT = 50;
/** The hung model's own idle timeout (its route's idle_timeout). */
const MODEL_IDLE_SECONDS = 1;
/** limits.idleTimeoutSeconds: the listener's stream_idle_timeout, which runs until aigw names the model. */
const LISTENER_IDLE_SECONDS = 2;

/**
 * How long the guardrail webhook takes, per round: every request at once (their idle
 * timeouts then fire together at the hung backend, with every ext_proc stream open and
 * waiting for a response), or spread past the listener's idle timeout (some time out while
 * aigw is still waiting for the webhook, the rest at the backend).
 */
const ROUNDS: ReadonlyArray<{ name: string; delayMs: () => number }> = [
  { name: 'together', delayMs: () => 300 },
  { name: 'spread', delayMs: () => Math.random() * (LISTENER_IDLE_SECONDS * 1000 + 800) },
  { name: 'together', delayMs: () => 300 },
  { name: 'spread', delayMs: () => Math.random() * (LISTENER_IDLE_SECONDS * 1000 + 800) },
];

/** A guardrail webhook that allows everything, after the current round's delay. */
async function startSlowWebhook(): Promise<{ server: Server; url: string; setDelay: (delay: () => number) => void }> {
  let delay = (): number => 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => setTimeout(() => response.writeHead(200, { 'content-type': 'application/json' }).end('{"action":"allow"}'), delay()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, setDelay: (next) => (delay = next) };
}

/**
 * Stress on Envoy's idle timeouts while ext_proc streams are open: rounds of simultaneous
 * requests to a backend that never answers, with aigw slowed by a guardrail webhook. Envoy
 * 1.36.4 once crashed in the ext_proc client stream when three hung requests reached the idle
 * timeout together. Every request must end with Envoy's timeout answer and one record, and
 * Envoy must still be up and serving.
 */
describeE2E('idle timeouts under stress', () => {
  let hung: FakeProvider;
  let healthy: FakeProvider;
  let webhook: Awaited<ReturnType<typeof startSlowWebhook>>;
  let stack: Stack;

  beforeAll(async () => {
    hung = await FakeProvider.start({ name: 'hung' });
    healthy = await FakeProvider.start({ name: 'healthy' });
    webhook = await startSlowWebhook();
    stack = await Stack.start({
      config: {
        backends: [
          { name: 'hung', kind: 'openai', baseUrl: `${hung.url}/v1` },
          { name: 'healthy', kind: 'openai', baseUrl: `${healthy.url}/v1` },
        ],
        models: [
          { name: 'hung', idleTimeoutSeconds: MODEL_IDLE_SECONDS, retries: 0, backends: [{ backend: 'hung' }] },
          { name: 'fine', backends: [{ backend: 'healthy' }] },
        ],
        limits: { idleTimeoutSeconds: LISTENER_IDLE_SECONDS },
        guardrails: {
          webhooks: [{ name: 'slow', url: webhook.url, timeoutMs: 4000, failMode: 'open' }],
          default: { webhooks: [{ webhook: 'slow' }] },
        },
      },
    });
  });

  afterAll(async () => {
    await stack?.stop();
    await hung?.close();
    await healthy?.close();
    await new Promise((resolve) => webhook?.server.close(resolve));
  });

  const chat = (model: string): Record<string, unknown> => ({ model, messages: [{ role: 'user', content: 'hi' }] });

  test(`${ROUNDS.length} rounds of ${CONCURRENT} hung requests: each Envoy's 504, recorded once; Envoy up and serving`, async () => {
    const answers: Array<{ status: number; body: unknown }> = [];
    for (const round of ROUNDS) {
      webhook.setDelay(round.delayMs);
      hung.enqueue(...Array.from({ length: CONCURRENT }, () => ({ kind: 'hang' as const })));
      const responses = await Promise.all(Array.from({ length: CONCURRENT }, () => stack.post('/v1/chat/completions', chat('hung'))));
      for (const response of responses) answers.push({ status: response.status, body: await response.json() });
      hung.reset();
      expect({ round: round.name, exitCode: stack.envoy.child.exitCode, signal: stack.envoy.child.signalCode }).toEqual({ round: round.name, exitCode: null, signal: null });
    }
    const timeout = { status: 504, body: { error: { message: 'stream timeout', type: 'server_error', param: null, code: 'upstream_error' } } };
    expect(answers).toHaveLength(ROUNDS.length * CONCURRENT);
    // Every distinct answer (by its JSON text), so a failure lists each kind once.
    expect([...new Set(answers.map((answer) => JSON.stringify(answer)))].map((text) => JSON.parse(text) as unknown)).toEqual([timeout]);

    webhook.setDelay(() => 0);
    const response = await stack.post('/v1/chat/completions', chat('fine'));
    expect(response.status).toBe(200);
    expect(((await response.json()) as { choices: unknown[] }).choices).toHaveLength(1);

    const total = ROUNDS.length * CONCURRENT;
    await waitFor(async () => metricSum(await stack.metricsText(), 'aigw_requests_total', {}) >= total + 1, 15_000);
    // A processor waits up to 5 s for Envoy's word before recording what it knows: a second
    // record of any request (the 'incomplete' one of a request Envoy ended during admission) would be in by then.
    await new Promise((resolve) => setTimeout(resolve, 5_500));
    const text = await stack.metricsText();
    expect(metricSum(text, 'aigw_requests_total', { status: '504' })).toBe(total);
    expect(metricSum(text, 'aigw_requests_total', { model: 'fine', status: '200' })).toBe(1);
    expect(metricSum(text, 'aigw_requests_total', {})).toBe(total + 1);
    expect(metricValue(text, 'aigw_extproc_streams_active{filter="router"}')).toBe(0);
    expect({ exitCode: stack.envoy.child.exitCode, signal: stack.envoy.child.signalCode }).toEqual({ exitCode: null, signal: null });
  }, 60_000);
});
