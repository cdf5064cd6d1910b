import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeProvider, startFakeProviderFromCli } from './fake-provider';

const usage = (prompt: number): Record<string, unknown> => ({
  prompt_tokens: prompt,
  completion_tokens: 4,
  total_tokens: prompt + 4,
  prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
  completion_tokens_details: {
    reasoning_tokens: 0,
    audio_tokens: 0,
    accepted_prediction_tokens: 0,
    rejected_prediction_tokens: 0,
  },
});

/** Splits an SSE body into its data payloads. */
function ssePayloads(text: string): string[] {
  return text
    .split('\n\n')
    .filter((event) => event !== '')
    .map((event) => {
      expect(event.startsWith('data: ')).toBe(true);
      return event.slice('data: '.length);
    });
}

function post(provider: FakeProvider, path: string, body: unknown): Promise<Response> {
  return fetch(`${provider.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'X-Custom': 'Yes' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const chatRequest = {
  model: 'gpt-test',
  messages: [
    { role: 'system', content: 'You are  terse.' },
    { role: 'user', content: [{ type: 'text', text: 'say hi please' }, { type: 'image_url', image_url: { url: 'x' } }] },
  ],
};
// 3 + 3 words, plus 3 per message.
const chatPromptTokens = 6 + 2 * 3;

describe('FakeProvider', () => {
  let provider: FakeProvider;

  beforeEach(async () => {
    provider = await FakeProvider.start({ name: 'alpha' });
  });

  afterEach(async () => {
    await provider.close();
  });

  it('answers chat completions with a deterministic ChatCompletion and records the request', async () => {
    const response = await post(provider, '/v1/chat/completions?trace=1', chatRequest);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({
      id: 'chatcmpl-fake-1',
      object: 'chat.completion',
      created: 1700000000,
      model: 'gpt-test',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hello from alpha', refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: usage(chatPromptTokens),
      system_fingerprint: 'fp_fake',
    });

    const second = await post(provider, '/openai/v1/chat/completions', { model: 'm', messages: [] });
    expect(await second.json()).toMatchObject({ id: 'chatcmpl-fake-2', usage: { prompt_tokens: 0, total_tokens: 4 } });

    expect(provider.received).toHaveLength(2);
    const [first] = provider.received;
    expect(first.method).toBe('POST');
    expect(first.path).toBe('/v1/chat/completions?trace=1');
    expect(first.headers['x-custom']).toBe('Yes');
    expect(first.headers['content-type']).toBe('application/json');
    expect(first.json).toEqual(chatRequest);
    expect(first.body).toBe(JSON.stringify(chatRequest));
    expect(first.servername).toBeUndefined();
    expect(typeof first.receivedAt).toBe('number');
  });

  it('streams chat completions in OpenAI chunk format', async () => {
    const response = await post(provider, '/v1/chat/completions', { ...chatRequest, stream: true });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const text = await response.text();
    const base = '"id":"chatcmpl-fake-1","object":"chat.completion.chunk","created":1700000000,"model":"gpt-test","system_fingerprint":"fp_fake"';
    const choice = (delta: string, finish: string): string =>
      `"choices":[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish}}]`;
    expect(ssePayloads(text)).toEqual([
      `{${base},${choice('{"role":"assistant","content":"","refusal":null}', 'null')}}`,
      `{${base},${choice('{"content":"Hello"}', 'null')}}`,
      `{${base},${choice('{"content":" from"}', 'null')}}`,
      `{${base},${choice('{"content":" alpha"}', 'null')}}`,
      `{${base},${choice('{}', '"stop"')}}`,
      '[DONE]',
    ]);
    expect(provider.eventSentAt).toHaveLength(6);
  });

  it('streams a final usage chunk when include_usage is set', async () => {
    const response = await post(provider, '/v1/chat/completions', {
      ...chatRequest,
      stream: true,
      stream_options: { include_usage: true },
    });
    const payloads = ssePayloads(await response.text());
    expect(payloads.at(-1)).toBe('[DONE]');
    const chunks = payloads.slice(0, -1).map((payload) => JSON.parse(payload) as Record<string, unknown>);
    expect(chunks).toHaveLength(6);
    for (const chunk of chunks.slice(0, 5)) {
      expect(chunk.usage).toBeNull();
      expect(Object.keys(chunk)).toEqual(['id', 'object', 'created', 'model', 'system_fingerprint', 'choices', 'usage']);
    }
    expect(chunks.map((chunk) => (chunk.choices as Array<{ delta: unknown }>)[0]?.delta)).toEqual([
      { role: 'assistant', content: '', refusal: null },
      { content: 'Hello' },
      { content: ' from' },
      { content: ' alpha' },
      {},
      undefined,
    ]);
    expect(chunks[5]).toEqual({
      id: 'chatcmpl-fake-1',
      object: 'chat.completion.chunk',
      created: 1700000000,
      model: 'gpt-test',
      system_fingerprint: 'fp_fake',
      choices: [],
      usage: usage(chatPromptTokens),
    });
  });

  it('answers embeddings, as float arrays and as base64', async () => {
    const floats = await post(provider, '/v1/embeddings', { model: 'emb', input: ['one two', 'three', [1, 2, 3, 4]] });
    expect(await floats.json()).toEqual({
      object: 'list',
      data: [0, 1, 2].map((index) => ({ object: 'embedding', index, embedding: [0.1, 0.2, 0.3] })),
      model: 'emb',
      usage: { prompt_tokens: 7, total_tokens: 7 },
    });

    const single = await post(provider, '/v1/embeddings', { model: 'emb', input: 'a b c', encoding_format: 'base64' });
    const body = (await single.json()) as { data: Array<{ embedding: string }>; usage: { prompt_tokens: number } };
    expect(body.data).toHaveLength(1);
    expect(body.usage.prompt_tokens).toBe(3);
    const decoded = Buffer.from(body.data[0].embedding, 'base64');
    const values = [0, 4, 8].map((offset) => decoded.readFloatLE(offset));
    expect(values).toEqual([Math.fround(0.1), Math.fround(0.2), Math.fround(0.3)]);
  });

  it('lists models, and answers 404 for unknown paths and 400 for malformed JSON', async () => {
    const models = await fetch(`${provider.url}/v1/models`);
    expect(await models.json()).toEqual({
      object: 'list',
      data: [{ id: 'fake-model', object: 'model', created: 1700000000, owned_by: 'alpha' }],
    });

    const unknown = await fetch(`${provider.url}/v1/nope?x=1`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({
      error: { message: 'Unknown path /v1/nope?x=1', type: 'invalid_request_error', param: null, code: 'unknown_url' },
    });

    const malformed = await post(provider, '/v1/chat/completions', '{"model":');
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ error: { type: 'invalid_request_error', param: null } });
    expect(provider.received[2].json).toBeUndefined();
  });

  it('uses queued behaviours in order before the defaults', async () => {
    provider.enqueue(
      { kind: 'json', status: 429, body: { error: { message: 'slow down' } }, headers: { 'retry-after': '1' } },
      { kind: 'text', status: 503, body: 'upstream sad', headers: { 'content-type': 'text/html' } },
      { kind: 'sse', events: ['{"a":1}', '[DONE]'], intervalMs: 40, headers: { 'x-stream': 'yes' } },
      { kind: 'raw-sse', chunks: ['data: {"partial"', ':true}\n\n', 'data: [DONE]\n\n'] },
      { kind: 'drop' },
    );

    const limited = await post(provider, '/v1/chat/completions', chatRequest);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(await limited.json()).toEqual({ error: { message: 'slow down' } });

    const sad = await post(provider, '/v1/chat/completions', chatRequest);
    expect(sad.status).toBe(503);
    expect(sad.headers.get('content-type')).toBe('text/html');
    expect(await sad.text()).toBe('upstream sad');

    const stream = await post(provider, '/v1/chat/completions', chatRequest);
    expect(stream.headers.get('x-stream')).toBe('yes');
    expect(await stream.text()).toBe('data: {"a":1}\n\ndata: [DONE]\n\n');
    expect(provider.eventSentAt).toHaveLength(2);
    expect(provider.eventSentAt[1] - provider.eventSentAt[0]).toBeGreaterThanOrEqual(30);

    const raw = await post(provider, '/v1/chat/completions', chatRequest);
    expect(await raw.text()).toBe('data: {"partial":true}\n\ndata: [DONE]\n\n');

    await expect(post(provider, '/v1/chat/completions', chatRequest)).rejects.toThrow();
    // Recorded even though it was never answered.
    expect(provider.received).toHaveLength(5);

    const fallback = await post(provider, '/v1/chat/completions', chatRequest);
    expect(await fallback.json()).toMatchObject({ id: 'chatcmpl-fake-1' });
  });

  it('stops a stream after some events: resetting the connection, or sending nothing more', async () => {
    provider.enqueue({ kind: 'sse', events: ['{"n":1}', '{"n":2}', '[DONE]'], stopAfter: { events: 2, then: 'drop' } }, { kind: 'sse', events: ['{"n":1}', '[DONE]'], stopAfter: { events: 1, then: 'hang' } });
    const dropped = await post(provider, '/v1/chat/completions', chatRequest);
    const reader = dropped.body?.getReader();
    let received = '';
    const failure = await (async () => {
      for (;;) {
        const { done, value } = (await reader?.read()) ?? { done: true, value: undefined };
        if (done) return undefined;
        received += Buffer.from(value).toString();
      }
    })().catch((error: unknown) => error);
    expect(received).toBe('data: {"n":1}\n\ndata: {"n":2}\n\n');
    // undici reports the reset as "terminated" (a TypeError from another realm than jest's Error).
    expect(String(failure)).toMatch(/terminated/);

    const abort = new AbortController();
    const hanging = await fetch(`${provider.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify(chatRequest), signal: abort.signal });
    const first = await hanging.body?.getReader().read();
    expect(Buffer.from(first?.value ?? new Uint8Array()).toString()).toBe('data: {"n":1}\n\n');
    expect(provider.eventSentAt).toHaveLength(1);
    abort.abort();
  });

  it('writes named SSE events and Anthropic errors from queued behaviours', async () => {
    provider.enqueue(
      { kind: 'sse', events: ['{"n":1}', '{"n":2}', '[DONE]'], eventNames: ['first', 'second'] },
      { kind: 'anthropic-error', status: 529, errorType: 'overloaded_error', message: 'Overloaded' },
      { kind: 'anthropic-error', status: 429, errorType: 'rate_limit_error', message: 'slow', headers: { 'retry-after': '2' } },
    );

    const stream = await post(provider, '/v1/messages', { stream: true });
    expect(await stream.text()).toBe('event: first\ndata: {"n":1}\n\nevent: second\ndata: {"n":2}\n\ndata: [DONE]\n\n');
    expect(provider.eventSentAt).toHaveLength(3);

    const overloaded = await post(provider, '/v1/messages', chatRequest);
    expect(overloaded.status).toBe(529);
    expect(overloaded.headers.get('content-type')).toBe('application/json');
    expect(await overloaded.text()).toBe('{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}');

    const limited = await post(provider, '/v1/messages', chatRequest);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(await limited.json()).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: 'slow' } });
  });

  it('waits for requests, resets, and closes promptly with hanging and keep-alive connections', async () => {
    await expect(provider.waitForRequests(1, 50)).rejects.toThrow(/timed out/);
    provider.enqueue({ kind: 'hang' });
    const waiting = provider.waitForRequests(3);
    const hanging = post(provider, '/v1/chat/completions', chatRequest).then(
      () => 'answered',
      () => 'failed',
    );
    // The hang must go to this request, not to one of the keep-alive requests below.
    await provider.waitForRequests(1);

    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const viaAgent = (): Promise<number> =>
      new Promise((resolve, reject) => {
        http
          .get(`${provider.url}/v1/models`, { agent }, (response) => {
            response.resume();
            response.on('end', () => resolve(response.statusCode ?? 0));
          })
          .on('error', reject);
      });
    expect(await viaAgent()).toBe(200);
    expect(await viaAgent()).toBe(200);
    await waiting;
    expect(provider.received).toHaveLength(3);

    const concurrent = await Promise.all(
      Array.from({ length: 40 }, () => post(provider, '/v1/chat/completions', chatRequest).then((r) => r.json())),
    );
    const ids = new Set(concurrent.map((body) => (body as { id: string }).id));
    expect(ids.size).toBe(40);

    provider.reset();
    expect(provider.received).toHaveLength(0);
    expect(provider.eventSentAt).toEqual([]);

    const started = Date.now();
    await provider.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await hanging).toBe('failed');
    agent.destroy();
  });
});

describe('FakeProvider over TLS', () => {
  it('serves HTTPS and records the SNI servername', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fake-provider-'));
    try {
      execFileSync(
        'openssl',
        ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=provider.test', '-addext',
          'subjectAltName=DNS:provider.test', '-days', '2', '-keyout', join(dir, 'k'), '-out', join(dir, 'c')],
        { stdio: 'ignore' },
      );
      const key = readFileSync(join(dir, 'k'));
      const cert = readFileSync(join(dir, 'c'));
      const provider = await FakeProvider.start({ name: 'secure', tls: { key, cert } });
      try {
        expect(provider.url).toBe(`https://127.0.0.1:${provider.port}`);
        const body = await new Promise<string>((resolve, reject) => {
          https
            .get(`${provider.url}/v1/models`, { servername: 'provider.test', ca: cert, agent: false }, (response) => {
              let text = '';
              response.setEncoding('utf8');
              response.on('data', (chunk: string) => (text += chunk));
              response.on('end', () => resolve(text));
            })
            .on('error', reject);
        });
        expect(JSON.parse(body)).toMatchObject({ data: [{ owned_by: 'secure' }] });
        expect(provider.received[0].servername).toBe('provider.test');
      } finally {
        await provider.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('startFakeProviderFromCli', () => {
  it('starts a plain-HTTP server from host:port and rejects a missing port', async () => {
    const provider = await startFakeProviderFromCli('127.0.0.1:0');
    try {
      expect(provider.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(provider.name).toBe('fake');
      expect((await fetch(`${provider.url}/v1/models`)).status).toBe(200);
    } finally {
      await provider.close();
    }
    await expect(startFakeProviderFromCli('127.0.0.1')).rejects.toThrow(/host:port/);
  });
});
