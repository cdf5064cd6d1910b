import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { REFUSED_PORT, Stack, TEST_KEY, describeE2E, makeCertificates } from './harness';

/**
 * Failover across backends of one model: each attempt is translated for its own backend
 * (model override, credential, host, path), and the TLS backend is verified with its
 * own certificate and SNI.
 */
describeE2E('failover between backends', () => {
  let first: FakeProvider;
  let second: FakeProvider;
  let stack: Stack;
  let client: OpenAI;
  let certDir: string;
  let closedPort: number;

  beforeAll(async () => {
    certDir = mkdtempSync(join(tmpdir(), 'aigw-certs-'));
    const secondCert = makeCertificates(certDir, ['second.provider.test']);
    const otherCa = makeCertificates(certDir, ['other.test']);
    first = await FakeProvider.start({ name: 'first' });
    second = await FakeProvider.start({ name: 'second', tls: { key: secondCert.key, cert: secondCert.cert } });
    closedPort = REFUSED_PORT;
    const backends = [
      { name: 'first', kind: 'openai', baseUrl: `${first.url}/v1`, credential: { env: 'FIRST_KEY' }, model: 'first-model' },
      {
        name: 'second',
        kind: 'openai',
        baseUrl: `https://second.provider.test:${second.port}/api/v1`,
        address: '127.0.0.1',
        credential: { env: 'SECOND_KEY', header: 'api-key', prefix: '' },
        model: 'second-model',
        tls: { caFile: secondCert.caFile },
      },
      { name: 'refused', kind: 'openai', baseUrl: `http://127.0.0.1:${closedPort}/v1` },
      // The right host, but verified against a CA that did not sign its certificate.
      {
        name: 'untrusted',
        kind: 'openai',
        baseUrl: `https://second.provider.test:${second.port}/api/v1`,
        address: '127.0.0.1',
        tls: { caFile: otherCa.caFile },
      },
    ];
    stack = await Stack.start({
      env: { FIRST_KEY: 'key-of-first', SECOND_KEY: 'key-of-second' },
      config: {
        backends,
        models: [
          { name: 'on-503', backends: [{ backend: 'first' }, { backend: 'second' }] },
          { name: 'on-429', backends: [{ backend: 'first' }, { backend: 'second' }] },
          { name: 'on-refused', backends: [{ backend: 'refused' }, { backend: 'second', model: 'entry-override' }] },
          { name: 'streaming-failover', backends: [{ backend: 'first' }, { backend: 'second' }] },
          { name: 'untrusted-tls', backends: [{ backend: 'untrusted' }] },
          { name: 'all-fail', backends: [{ backend: 'first' }, { backend: 'refused' }] },
        ],
      },
    });
    client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${stack.baseUrl}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await stack?.stop();
    await first?.close();
    await second?.close();
    rmSync(certDir, { recursive: true, force: true });
  });

  beforeEach(() => {
    first.reset();
    second.reset();
  });

  function expectSecondGotItsOwnTranslation(model: string): void {
    expect(second.received).toHaveLength(1);
    const request = second.received[0];
    expect(request.path).toBe('/api/v1/chat/completions');
    expect(request.headers.host).toBe(`second.provider.test:${second.port}`);
    expect(request.servername).toBe('second.provider.test');
    expect(request.headers['api-key']).toBe('key-of-second');
    expect(request.headers.authorization).toBeUndefined();
    expect((request.json as { model: string }).model).toBe(model);
    expect(request.headers['content-length']).toBe(String(Buffer.byteLength(request.body)));
  }

  test.each([
    ['on-503', { kind: 'json', status: 503, body: { error: { message: 'overloaded', type: 'server_error', param: null, code: null } } }],
    ['on-429', { kind: 'json', status: 429, body: { error: { message: 'slow down', type: 'requests', param: null, code: 'rate_limit_exceeded' } } }],
  ] as const)('%s: the second backend answers, translated for itself', async (model, failure) => {
    first.enqueue(failure);
    const completion = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hello' }] });
    expect(completion.choices[0].message.content).toBe('Hello from second');

    expect(first.received).toHaveLength(1);
    expect(first.received[0].path).toBe('/v1/chat/completions');
    expect(first.received[0].headers.authorization).toBe('Bearer key-of-first');
    expect(first.received[0].headers['api-key']).toBeUndefined();
    expect((first.received[0].json as { model: string }).model).toBe('first-model');
    expectSecondGotItsOwnTranslation('second-model');
    const entry = await stack.waitForAccessLog((line) => line.model === model);
    expect(entry).toMatchObject({ status: 200, attempts: 2, input_tokens: 4, output_tokens: 4 });
  });

  test('a refused connection fails over, and the model entry override wins over the backend default', async () => {
    const completion = await client.chat.completions.create({ model: 'on-refused', messages: [{ role: 'user', content: 'hello' }] });
    expect(completion.choices[0].message.content).toBe('Hello from second');
    expectSecondGotItsOwnTranslation('entry-override');
  });

  test('a stream fails over before its first byte', async () => {
    first.enqueue({ kind: 'text', status: 502, body: 'bad gateway' });
    const stream = await client.chat.completions.create({ model: 'streaming-failover', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hello from second');
    expect(second.received[0].json).toMatchObject({ model: 'second-model', stream: true, stream_options: { include_usage: true } });
  });

  test('certificates are verified: a backend whose certificate does not chain to its CA is not used', async () => {
    const response = await stack.post('/v1/chat/completions', { model: 'untrusted-tls', messages: [{ role: 'user', content: 'hi' }] });
    expect(response.status).toBe(503);
    const body = (await response.json()) as { error: { type: string; code: string; message: string } };
    expect(body.error.type).toBe('server_error');
    expect(body.error.code).toBe('upstream_error');
    expect(second.received).toHaveLength(0);
  });

  test('when every backend fails, the client gets the last error in OpenAI shape', async () => {
    first.enqueue({ kind: 'text', status: 500, body: 'first exploded' });
    const response = await stack.post('/v1/chat/completions', { model: 'all-fail', messages: [{ role: 'user', content: 'hi' }] });
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toBe('application/json');
    const body = (await response.json()) as { error: { type: string; code: string; message: string } };
    expect(body.error).toMatchObject({ type: 'server_error', code: 'upstream_error', param: null });
    expect(body.error.message).toContain('upstream connect error');
    expect(first.received).toHaveLength(1);
  });
});
