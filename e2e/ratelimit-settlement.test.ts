import { FakeProvider } from '../src/fake-provider/fake-provider';
import type { Behaviour } from '../src/fake-provider/fake-provider';
import { countTextTokens } from '../src/ratelimit/estimate';
import { RateLimitService } from '../src/ratelimit/rate-limit-service';
import type { RateLimitRequest } from '../src/ratelimit/rls-proto';
import { REFUSED_PORT, Stack, describeE2E, fakeReservedPrompt, settledCounter } from './harness';

const MESSAGES = [{ role: 'user', content: 'hello there' }];
const LIMIT = 100_000;
const MAX_TOKENS = 100;
/** The words the provider streams before it stops (each one o200k token). */
const WORDS = ['alpha', ' beta', ' gamma'];

/** A chat stream of a role event and WORDS, then `then` (a reset, or silence). */
function stoppedStream(then: 'drop' | 'hang'): Behaviour {
  const chunk = (delta: Record<string, unknown>): string =>
    JSON.stringify({ id: 'chatcmpl-cut', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta, finish_reason: null }] });
  const events = [chunk({ role: 'assistant', content: '' }), ...WORDS.map((word) => chunk({ content: word })), chunk({ content: ' never sent' }), '[DONE]'];
  return { kind: 'sse', events, stopAfter: { events: 1 + WORDS.length, then } };
}

/**
 * What a cut request is charged for its prompt when the provider reported none: the admission
 * estimate with the serving backend's margin (these fakes are OpenAI-compatible servers that
 * are not OpenAI: an unknown tokenizer, 30%).
 */
function promptEstimate(body: Record<string, unknown>): number {
  return fakeReservedPrompt(body);
}

/** What a stream cut after WORDS is charged: its prompt estimate and the words seen. */
function cutCharge(body: Record<string, unknown>): number {
  return promptEstimate(body) + WORDS.reduce((sum, word) => sum + countTextTokens(word), 0);
}

/** Reads a streamed response until `until` appears (then aborts, if asked) or the stream fails. */
async function readUntil(response: Response, until: string, abort?: AbortController): Promise<string> {
  const reader = response.body?.getReader();
  let text = '';
  try {
    for (;;) {
      const next = await reader?.read();
      if (!next || next.done) return text;
      text += Buffer.from(next.value).toString();
      if (text.includes(until) && abort) {
        abort.abort();
        return text;
      }
    }
  } catch {
    return text; // the stream was cut: what arrived is what we have
  }
}

/**
 * Settlement happens inside aigw, once per request, whatever ends the request: a normal end,
 * the client leaving, the upstream resetting, the route timing out, an Envoy-made error. Each
 * test reads the request's own counter (one per model) from the gateway's limiter.
 */
describeE2E('rate-limit settlement inside aigw', () => {
  let provider: FakeProvider;
  let stack: Stack;

  beforeAll(async () => {
    provider = await FakeProvider.start({ name: 'settled' });
    const models = ['disconnect-model', 'reset-model', 'timeout-model', 'normal-model', 'calls-model'].map((name) => ({ name, backends: [{ backend: 'fake' }] }));
    stack = await Stack.start({
      config: {
        backends: [
          { name: 'fake', kind: 'openai', baseUrl: `${provider.url}/v1` },
          { name: 'refusing', kind: 'openai', baseUrl: `http://127.0.0.1:${REFUSED_PORT}/v1` },
        ],
        models: [...models, { name: 'down-model', backends: [{ backend: 'refusing' }] }],
        // The route timeout test waits this long.
        limits: { requestTimeoutSeconds: 2 },
        rateLimits: {
          envoyTimeoutMs: 5000,
          descriptors: [{ key: 'metric', value: 'tokens', descriptors: [{ key: 'team', descriptors: [{ key: 'model', rate_limit: { unit: 'day', requests_per_unit: LIMIT } }] }] }],
        },
      },
    });
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    await stack?.stop();
    await provider?.close();
  });

  beforeEach(() => provider.reset());

  /** Tokens the model's counter holds once every reservation is settled. */
  const charged = async (model: string): Promise<number> =>
    settledCounter(stack, [
      { key: 'metric', value: 'tokens' },
      { key: 'team', value: 'team-e2e' },
      { key: 'model', value: model },
    ]);

  const body = (model: string, stream = true): Record<string, unknown> => ({ model, max_tokens: MAX_TOKENS, stream, messages: MESSAGES });

  test('a client that disconnects mid-stream is charged its prompt and the output it saw; the rest is refunded', async () => {
    provider.enqueue(stoppedStream('hang'));
    const abort = new AbortController();
    const response = await fetch(`${stack.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-e2e-caller-key', 'content-type': 'application/json' },
      body: JSON.stringify(body('disconnect-model')),
      signal: abort.signal,
    });
    expect(response.status).toBe(200);
    expect(await readUntil(response, 'gamma', abort)).toContain('gamma');
    expect(await charged('disconnect-model')).toBe(cutCharge(body('disconnect-model')));
  });

  test('an upstream that resets mid-stream: charged its prompt and the output seen', async () => {
    provider.enqueue(stoppedStream('drop'));
    const response = await stack.post('/v1/chat/completions', body('reset-model'));
    expect(await readUntil(response, '[DONE]')).not.toContain('never sent');
    expect(provider.received).toHaveLength(1); // not retried: the response had begun
    expect(await charged('reset-model')).toBe(cutCharge(body('reset-model')));
  });

  test('a stream the route timeout cuts: charged its prompt and the output seen', async () => {
    provider.enqueue(stoppedStream('hang'));
    const started = Date.now();
    const response = await stack.post('/v1/chat/completions', body('timeout-model'));
    expect(await readUntil(response, '[DONE]')).toContain('gamma');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(await charged('timeout-model')).toBe(cutCharge(body('timeout-model')));
  });

  test('a backend Envoy cannot reach (Envoy answers 503 itself): charged the prompt estimate only', async () => {
    const response = await stack.post('/v1/chat/completions', body('down-model', false));
    expect(response.status).toBe(503);
    await response.arrayBuffer();
    expect(await charged('down-model')).toBe(promptEstimate(body('down-model', false)));
  });

  test('a normal end settles at the usage the provider reported', async () => {
    await (await stack.post('/v1/chat/completions', body('normal-model', false))).json();
    // The fake provider's usage: 2 words + 3 per message in, 4 out.
    expect(await charged('normal-model')).toBe(5 + 4);
  });

  test('Envoy asks the rate-limit service exactly once per request: no second call at stream end', async () => {
    const decide = jest.spyOn(RateLimitService.prototype, 'decide');
    provider.enqueue(stoppedStream('hang'));
    const abort = new AbortController();
    const cut = await fetch(`${stack.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-e2e-caller-key', 'content-type': 'application/json' },
      body: JSON.stringify(body('calls-model')),
      signal: abort.signal,
    });
    await readUntil(cut, 'gamma', abort);
    await (await stack.post('/v1/chat/completions', body('calls-model', false))).json();
    await (await stack.post('/v1/chat/completions', { ...body('calls-model'), stream_options: { include_usage: true } })).text();
    await charged('calls-model');
    // Anything Envoy would send at stream end has arrived by now.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const ids = decide.mock.calls.map(([request]: [RateLimitRequest, ...unknown[]]) => request.descriptors.find((item) => item.entries[0]?.key === 'aigw_request')?.entries[0].value);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    expect(ids.every((id) => typeof id === 'string')).toBe(true);
    decide.mockRestore();
  });
});
