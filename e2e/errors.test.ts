import { request as httpRequest } from 'node:http';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { Stack, TEST_KEY, describeE2E } from './harness';

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** Every client mistake and provider failure ends in OpenAI's error shape with the right status. */
describeE2E('errors in OpenAI shape', () => {
  let provider: FakeProvider;
  let stack: Stack;
  const limit = 64 * 1024;

  beforeAll(async () => {
    provider = await FakeProvider.start({ name: 'errors' });
    stack = await Stack.start({
      config: {
        limits: { maxRequestBodyBytes: limit, maxResponseBodyBytes: 1024 * 1024 },
        backends: [{ name: 'p', kind: 'openai', baseUrl: `${provider.url}/v1` }],
        models: [{ name: 'm', backends: [{ backend: 'p' }] }],
      },
    });
  });

  afterAll(async () => {
    await stack?.stop();
    await provider?.close();
  });

  beforeEach(() => provider.reset());

  async function expectError(response: Response, status: number, error: Partial<ErrorBody['error']>): Promise<ErrorBody> {
    const text = await response.text();
    expect({ status: response.status, contentType: response.headers.get('content-type') }).toEqual({ status, contentType: 'application/json' });
    const body = JSON.parse(text) as ErrorBody;
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(body.error).toMatchObject(error);
    return body;
  }

  const chat = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };

  test('no key: 401', async () => {
    const response = await fetch(`${stack.baseUrl}/v1/chat/completions`, { method: 'POST', body: JSON.stringify(chat) });
    await expectError(response, 401, { code: 'invalid_api_key', message: "You didn't provide an API key. Send it in an Authorization header as 'Bearer <key>'." });
  });

  test('wrong key: 401, nothing reaches the provider', async () => {
    const response = await stack.post('/v1/chat/completions', chat, { authorization: 'Bearer sk-wrong' });
    await expectError(response, 401, { code: 'invalid_api_key', message: 'Incorrect API key provided.' });
    expect(provider.received).toHaveLength(0);
  });

  test('unknown model: 404', async () => {
    const response = await stack.post('/v1/chat/completions', { ...chat, model: 'gpt-nope' });
    await expectError(response, 404, { code: 'model_not_found', param: 'model', message: 'The model `gpt-nope` does not exist or you do not have access to it.' });
  });

  test('malformed JSON: 400', async () => {
    const response = await stack.post('/v1/chat/completions', '{"model": "m", ');
    const body = await expectError(response, 400, { code: 'invalid_json', type: 'invalid_request_error' });
    expect(body.error.message).toMatch(/^The request body is not valid JSON: /);
  });

  test('JSON nested 5,000 levels deep: 400 json_too_deep, nothing reaches the provider', async () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    const response = await stack.post('/v1/chat/completions', `{"model":"m","messages":[{"role":"user","content":${deep}}]}`);
    await expectError(response, 400, { code: 'json_too_deep', type: 'invalid_request_error', message: 'The request body nests arrays and objects more than 128 levels deep (limits.maxJsonDepth).' });
    expect(provider.received).toHaveLength(0);
  });

  test('missing model: 400', async () => {
    const response = await stack.post('/v1/chat/completions', { messages: chat.messages });
    await expectError(response, 400, { code: 'missing_model', param: 'model', message: 'You must provide a model parameter.' });
  });

  test('unsupported path: 404 from Envoy itself, before the body is read', async () => {
    const response = await stack.post('/v1/completions/legacy', chat);
    await expectError(response, 404, { code: 'unknown_url', message: 'Unknown request URL.' });
    expect(provider.received).toHaveLength(0);
  });

  test('body over the limit with content-length: 413 before the body is read', async () => {
    const response = await stack.post('/v1/chat/completions', { ...chat, padding: 'x'.repeat(limit) });
    await expectError(response, 413, { code: 'request_too_large', message: `The request body is larger than the ${limit} bytes this gateway accepts.` });
  });

  test('chunked body over the limit: 413 from Envoy, same shape', async () => {
    const result = await new Promise<{ status: number; contentType: string; body: string }>((resolve, reject) => {
      const request = httpRequest(`${stack.baseUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      });
      request.on('response', (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, contentType: String(response.headers['content-type']), body }));
      });
      request.on('error', reject);
      for (let sent = 0; sent <= limit * 2; sent += 8192) request.write('x'.repeat(8192));
      request.end();
    });
    expect(result.status).toBe(413);
    expect(result.contentType).toBe('application/json');
    expect(JSON.parse(result.body)).toEqual({
      error: { message: `The request body is larger than the ${limit} bytes this gateway accepts.`, type: 'invalid_request_error', param: null, code: 'request_too_large' },
    });
  });

  test('a provider error already in OpenAI shape passes through verbatim', async () => {
    const providerError = { error: { message: 'messages[0].content is too long', type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } };
    provider.enqueue({ kind: 'json', status: 400, body: providerError });
    const response = await stack.post('/v1/chat/completions', chat);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(providerError);
  });

  test('a provider error in another shape is reshaped, keeping its status', async () => {
    provider.enqueue({ kind: 'text', status: 422, body: 'Unprocessable: bad tool schema' });
    const response = await stack.post('/v1/chat/completions', chat);
    await expectError(response, 422, { message: 'Unprocessable: bad tool schema', type: 'invalid_request_error', code: null });
  });

  test('a provider 500 after the last retry is reshaped as a server error', async () => {
    provider.enqueue({ kind: 'json', status: 500, body: { detail: 'boom' } });
    const response = await stack.post('/v1/chat/completions', chat);
    await expectError(response, 500, { type: 'server_error', code: 'upstream_error', message: '{"detail":"boom"}' });
  });

  test('a gzip body that decodes past limits.maxResponseBodyBytes: 502 upstream_response_too_large', async () => {
    // 2 MiB of text, a few kilobytes gzipped: twice the configured 1 MiB once decoded.
    provider.enqueue({ kind: 'json', status: 200, gzip: true, body: { padding: 'x'.repeat(2 * 1024 * 1024) } });
    const response = await stack.post('/v1/chat/completions', chat);
    await expectError(response, 502, {
      type: 'server_error',
      code: 'upstream_response_too_large',
      message: 'The upstream response was refused: the decompressed response body exceeds limits.maxResponseBodyBytes (1048576 bytes).',
    });
  });

  test('a provider that drops the connection: 503 in OpenAI shape', async () => {
    provider.enqueue({ kind: 'drop' });
    const response = await stack.post('/v1/chat/completions', chat);
    const body = await expectError(response, 503, { type: 'server_error', code: 'upstream_error' });
    expect(body.error.message).toMatch(/upstream connect error|reset/);
  });

  test('a bad request does not disturb the next one', async () => {
    const [bad, good] = await Promise.all([stack.post('/v1/chat/completions', '{oops'), stack.post('/v1/chat/completions', chat)]);
    expect(bad.status).toBe(400);
    expect(good.status).toBe(200);
    expect(((await good.json()) as { choices: Array<{ message: { content: string } }> }).choices[0].message.content).toBe('Hello from errors');
  });

  // Last: it stops this suite's aigw.
  test('aigw unreachable: Envoy fails closed with a plain 503 in OpenAI shape that names nothing internal', async () => {
    await stack.gateway.stop(0);
    const response = await stack.post('/v1/chat/completions', chat);
    const body = await expectError(response, 503, { type: 'server_error', code: 'gateway_unavailable', message: 'The gateway is temporarily unavailable; retry shortly.' });
    expect(JSON.stringify(body)).not.toMatch(/ext_proc|grpc|envoy/i);
    expect(provider.received).toHaveLength(0);
  });
});
