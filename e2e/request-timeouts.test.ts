import { FakeProvider } from '../src/fake-provider/fake-provider';
import { Stack, TEST_KEY, describeE2E, metricSum, metricValue, waitFor } from './harness';
import { openRaw } from './raw-http';
import type { RawReply } from './raw-http';

const HEADERS_TIMEOUT_MS = 2000;
const RECEIVE_TIMEOUT_MS = 4000;
/** Envoy waits this long for the client to close after its reply to an unfinished request (delayed_close_timeout). */
const DELAYED_CLOSE_MS = 1000;
/** Room for two shared cores and 40 connections. */
const MARGIN_MS = 1500;
const HALF_SENT = 40;

/** The request line and headers of a chat call, without the blank line that ends them. */
const UNFINISHED_HEADERS = `POST /v1/chat/completions HTTP/1.1\r\nhost: a\r\nauthorization: Bearer ${TEST_KEY}\r\ncontent-type: appl`;

/**
 * A client that never finishes its request is ended by Envoy, per limits: the headers within
 * limits.requestHeadersTimeoutSeconds (request_headers_timeout), the whole request within
 * limits.requestReceiveTimeoutSeconds (request_timeout). Envoy answers 408 in the client's
 * error shape, then closes the connection once its delayed-close wait is over.
 */
describeE2E('request timeouts from the config', () => {
  let provider: FakeProvider;
  let stack: Stack;

  beforeAll(async () => {
    provider = await FakeProvider.start({ name: 'timeouts' });
    stack = await Stack.start({
      config: {
        backends: [{ name: 'fake', kind: 'openai', baseUrl: `${provider.url}/v1` }],
        models: [{ name: 'fine', backends: [{ backend: 'fake' }] }],
        limits: { requestHeadersTimeoutSeconds: HEADERS_TIMEOUT_MS / 1000, requestReceiveTimeoutSeconds: RECEIVE_TIMEOUT_MS / 1000 },
      },
    });
  });

  afterAll(async () => {
    await stack?.stop();
    await provider?.close();
  });

  const port = (): number => Number(new URL(stack.baseUrl).port);

  /** Envoy's 408 at `timeoutMs`, whole, then its close about a second later. */
  function expectTimedOut(reply: RawReply, timeoutMs: number, message: string): void {
    expect({ status: reply.status, complete: reply.complete, closedByServer: reply.closedByServer }).toEqual({ status: 408, complete: true, closedByServer: true });
    expect(JSON.parse(reply.body)).toEqual({ error: { message, type: 'invalid_request_error', param: null, code: null } });
    expect(reply.firstDataMs).toBeGreaterThanOrEqual(timeoutMs - 100);
    expect(reply.firstDataMs).toBeLessThanOrEqual(timeoutMs + MARGIN_MS);
    expect(reply.elapsedMs).toBeLessThanOrEqual(timeoutMs + DELAYED_CLOSE_MS + MARGIN_MS);
  }

  test(`${HALF_SENT} requests whose headers never end: each a 408 at the headers timeout, then closed; none open 10 s later`, async () => {
    // Each waits up to 12 s for Envoy to close it; any still open then is closed here and fails.
    const replies = await Promise.all(Array.from({ length: HALF_SENT }, () => openRaw(port(), UNFINISHED_HEADERS, 12_000).reply));
    for (const reply of replies) expectTimedOut(reply, HEADERS_TIMEOUT_MS, 'request header timeout');
    expect(await stack.envoy.stat('http.aigw.downstream_rq_header_timeout')).toBe(HALF_SENT);
    expect(await stack.envoy.stat('http.aigw.downstream_cx_active')).toBe(0);
  }, 30_000);

  test('a request whose body trickles but never completes: a 408 at the receive timeout, then closed', async () => {
    const headers = `POST /v1/chat/completions HTTP/1.1\r\nhost: a\r\nauthorization: Bearer ${TEST_KEY}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n`;
    const connection = openRaw(port(), `${headers}{"model":"fine",`, 12_000);
    // A byte every half second: never idle, so only the receive timeout can end it.
    const trickle = setInterval(() => connection.socket.writable && connection.socket.write(' '), 500);
    const reply = await connection.reply.finally(() => clearInterval(trickle));
    expectTimedOut(reply, RECEIVE_TIMEOUT_MS, 'request timeout');
    expect(await stack.envoy.stat('http.aigw.downstream_rq_timeout')).toBe(1);
    expect(await stack.envoy.stat('http.aigw.downstream_cx_active')).toBe(0);
  }, 30_000);

  test('nothing is left open on either side, and aigw keeps serving', async () => {
    // aigw never saw these requests: ext_proc sends a buffered body only once it is complete.
    expect(metricValue(await stack.metricsText(), 'aigw_extproc_streams_active{filter="router"}')).toBe(0);
    expect(await stack.envoy.stat('http.aigw.downstream_rq_active')).toBe(0);
    const response = await stack.post('/v1/chat/completions', { model: 'fine', messages: [{ role: 'user', content: 'hi' }] });
    expect(response.status).toBe(200);
    await response.json();
    await waitFor(async () => metricSum(await stack.metricsText(), 'aigw_requests_total', { model: 'fine', status: '200' }) === 1);
    // The unfinished body is recorded once, from Envoy's access-log entry. Requests whose
    // headers never ended have no path to record: only Envoy's downstream_rq_header_timeout counts them.
    const text = await stack.metricsText();
    expect(metricSum(text, 'aigw_requests_total', { endpoint: 'openai-chat', status: '408' })).toBe(1);
    expect(metricSum(text, 'aigw_requests_total', {})).toBe(2);
  });
});
