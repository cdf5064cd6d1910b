import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { generateKeyPairSync, verify } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { Stack, TEST_KEY, describeE2E } from './harness';

const PROJECT = 'aigw-test-project';
const CLAUDE = 'claude-sonnet-4-5@20250929';

/** A stand-in for Google's OAuth token endpoint: checks the service account's signed JWT, issues tokens, counts them. */
class TokenEndpoint {
  issued: string[] = [];
  failing = false;
  private constructor(
    private readonly server: http.Server,
    private readonly publicKey: string,
    private readonly email: string,
  ) {}

  static async start(publicKey: string, email: string): Promise<TokenEndpoint> {
    const server = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => endpoint.answer(request.url ?? '', body, response));
    });
    const endpoint = new TokenEndpoint(server, publicKey, email);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return endpoint;
  }

  url(path = '/token'): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private answer(path: string, body: string, response: http.ServerResponse): void {
    const form = new URLSearchParams(body);
    const [header, payload, signature] = (form.get('assertion') ?? '').split('.');
    const valid = signature !== undefined && verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), this.publicKey, Buffer.from(signature, 'base64url'));
    const claims = valid ? (JSON.parse(Buffer.from(payload, 'base64url').toString()) as { iss?: string; scope?: string }) : {};
    const grantOk = form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:jwt-bearer';
    if (this.failing || path !== '/token' || !valid || !grantOk || claims.iss !== this.email || claims.scope !== 'https://www.googleapis.com/auth/cloud-platform') {
      response.writeHead(this.failing || path !== '/token' ? 500 : 400, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: 'invalid_grant', error_description: 'token endpoint refused' }));
      return;
    }
    const token = `ya29.vertex-test-${this.issued.length + 1}`;
    this.issued.push(token);
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ access_token: token, expires_in: 3600, token_type: 'Bearer' }));
  }
}

/**
 * Vertex AI through Envoy + aigw: Gemini and Claude models, OAuth tokens from a service
 * account (signed JWT → token endpoint), and failover from the Gemini API to Vertex.
 */
describeE2E('Vertex AI: Gemini and Claude with service-account tokens', () => {
  let dir: string;
  let tokens: TokenEndpoint;
  let vertex: FakeProvider;
  let studio: FakeProvider;
  let stack: Stack;
  let openai: OpenAI;
  let anthropic: Anthropic;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aigw-vertex-'));
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const email = `aigw@${PROJECT}.iam.gserviceaccount.com`;
    tokens = await TokenEndpoint.start(publicKey.export({ type: 'spki', format: 'pem' }).toString(), email);
    const key = { type: 'service_account', project_id: PROJECT, private_key_id: 'kid-1', private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), client_email: email, client_id: '1', token_uri: 'https://oauth2.googleapis.com/token' };
    writeFileSync(join(dir, 'sa.json'), JSON.stringify(key));
    vertex = await FakeProvider.start({ name: 'vertex' });
    studio = await FakeProvider.start({ name: 'studio' });
    const gcp = { project: PROJECT, location: 'us-east5', credentialsFile: join(dir, 'sa.json') };
    stack = await Stack.start({
      env: { GEMINI_KEY: 'AIza-studio' },
      config: {
        backends: [
          { name: 'vertex', kind: 'vertex', baseUrl: vertex.url, gcp: { ...gcp, tokenUrl: tokens.url() } },
          { name: 'vertex-broken', kind: 'vertex', baseUrl: vertex.url, gcp: { ...gcp, tokenUrl: tokens.url('/broken') } },
          { name: 'studio', kind: 'gemini', baseUrl: studio.url, credential: { env: 'GEMINI_KEY' } },
        ],
        models: [
          { name: 'flash', backends: [{ backend: 'vertex', model: 'gemini-2.5-flash' }] },
          { name: 'claude-sonnet', backends: [{ backend: 'vertex', model: CLAUDE }] },
          { name: 'flash-anywhere', backends: [{ backend: 'studio', model: 'gemini-2.5-flash' }, { backend: 'vertex', model: 'gemini-2.5-flash' }] },
          { name: 'broken', backends: [{ backend: 'vertex-broken', model: 'gemini-2.5-flash' }] },
          { name: 'vertex-embed', backends: [{ backend: 'vertex', model: 'text-embedding-005' }] },
        ],
      },
    });
    openai = new OpenAI({ apiKey: TEST_KEY, baseURL: `${stack.baseUrl}/v1`, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: TEST_KEY, baseURL: stack.baseUrl, maxRetries: 0 });
  });

  afterAll(async () => {
    await stack?.stop();
    await Promise.all([vertex?.close(), studio?.close(), tokens?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    vertex.reset();
    studio.reset();
  });

  const base = `/v1/projects/${PROJECT}/locations/us-east5/publishers`;

  test('OpenAI SDK → Gemini on Vertex, whole and streamed: Google publisher path, bearer token fetched once', async () => {
    const completion = await openai.chat.completions.create({ model: 'flash', max_tokens: 32, messages: [{ role: 'user', content: 'hello there' }] });
    expect(completion.choices[0].message.content).toBe('Hello from vertex');
    const stream = await openai.chat.completions.create({ model: 'flash', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'one two three' }] });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe('Hello from vertex');
    expect(usage).toMatchObject({ prompt_tokens: 6, completion_tokens: 4, total_tokens: 10 });
    expect(vertex.received.map((request) => request.path)).toEqual([
      `${base}/google/models/gemini-2.5-flash:generateContent`,
      `${base}/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse`,
    ]);
    expect(vertex.received.map((request) => request.headers.authorization)).toEqual(['Bearer ya29.vertex-test-1', 'Bearer ya29.vertex-test-1']);
    expect(vertex.received[0].headers['x-goog-api-key']).toBeUndefined();
    expect(vertex.received[0].json).toEqual({ contents: [{ role: 'user', parts: [{ text: 'hello there' }] }], generationConfig: { maxOutputTokens: 32 } });
    expect(tokens.issued).toEqual(['ya29.vertex-test-1']);
  });

  test('OpenAI SDK → Claude on Vertex: rawPredict and streamRawPredict with anthropic_version in the body', async () => {
    const completion = await openai.chat.completions.create({ model: 'claude-sonnet', max_tokens: 40, messages: [{ role: 'user', content: 'hello there' }] });
    expect(completion.choices[0].message.content).toBe('Hello from vertex');
    expect(completion.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 4 });
    const stream = await openai.chat.completions.create({ model: 'claude-sonnet', max_tokens: 40, stream: true, messages: [{ role: 'user', content: 'hello there' }] });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hello from vertex');
    expect(vertex.received.map((request) => request.path)).toEqual([`${base}/anthropic/models/${CLAUDE}:rawPredict`, `${base}/anthropic/models/${CLAUDE}:streamRawPredict`]);
    expect(vertex.received[0].json).toEqual({ anthropic_version: 'vertex-2023-10-16', max_tokens: 40, messages: [{ role: 'user', content: [{ type: 'text', text: 'hello there' }] }] });
    expect(vertex.received[1].json).toEqual({ anthropic_version: 'vertex-2023-10-16', max_tokens: 40, stream: true, messages: [{ role: 'user', content: [{ type: 'text', text: 'hello there' }] }] });
    expect(vertex.received[1].headers['anthropic-version']).toBeUndefined();
    expect(vertex.received[1].headers.authorization).toBe('Bearer ya29.vertex-test-1');
  });

  test('Anthropic SDK → Claude on Vertex, whole and streamed', async () => {
    const message = await anthropic.messages.create({ model: 'claude-sonnet', max_tokens: 30, system: 'Be brief.', messages: [{ role: 'user', content: 'hello there' }] });
    expect(message.content).toEqual([{ type: 'text', text: 'Hello from vertex' }]);
    expect(message.model).toBe(CLAUDE);
    const streamed = await anthropic.messages.stream({ model: 'claude-sonnet', max_tokens: 30, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
    expect(streamed.content).toEqual([{ type: 'text', text: 'Hello from vertex' }]);
    expect(vertex.received[0].json).toEqual({ anthropic_version: 'vertex-2023-10-16', max_tokens: 30, system: 'Be brief.', messages: [{ role: 'user', content: 'hello there' }] });
    expect(vertex.received[1].json).toEqual({ anthropic_version: 'vertex-2023-10-16', max_tokens: 30, stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const entry = await stack.waitForAccessLog((line) => line.path === '/v1/messages' && line.model === 'claude-sonnet');
    expect(entry).toMatchObject({ status: 200, output_tokens: 4 });
  });

  test('the Gemini API answering 503 fails over to Vertex, which gets its own path and token', async () => {
    studio.enqueue({ kind: 'json', status: 503, body: { error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' } } });
    const completion = await openai.chat.completions.create({ model: 'flash-anywhere', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.choices[0].message.content).toBe('Hello from vertex');
    expect(studio.received[0].headers['x-goog-api-key']).toBe('AIza-studio');
    expect(vertex.received[0].path).toBe(`${base}/google/models/gemini-2.5-flash:generateContent`);
    expect(vertex.received[0].headers['x-goog-api-key']).toBeUndefined();
    expect(vertex.received[0].headers.authorization).toMatch(/^Bearer ya29\.vertex-test-\d$/);
  });

  test('no token: 503 in OpenAI shape naming the credential source, never the key; the provider is not called', async () => {
    const error = await openai.chat.completions.create({ model: 'broken', messages: [{ role: 'user', content: 'hi' }] }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(OpenAI.APIError);
    const apiError = error as InstanceType<typeof OpenAI.APIError>;
    expect(apiError.status).toBe(503);
    expect(apiError.error).toMatchObject({ type: 'server_error', code: 'backend_credential_unavailable' });
    const message = (apiError.error as { message: string }).message;
    expect(message).toMatch(new RegExp(`^Backend "vertex-broken" could not get an access token from the service account key .*sa\\.json \\(backend vertex-broken\\): `));
    expect(message).not.toContain('PRIVATE KEY');
    expect(vertex.received).toHaveLength(0);
  });

  test('OpenAI SDK embeddings → Vertex :predict: one instance per text, token counts summed, base64 made by the gateway', async () => {
    const result = await openai.embeddings.create({ model: 'vertex-embed', input: ['one two', 'three'], dimensions: 256 });
    expect(result.data.map((item) => item.embedding)).toEqual([
      [0.5, 0.25, -0.125],
      [0.5, 0.25, -0.125],
    ]);
    expect(result.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
    const upstream = vertex.received[0];
    expect(upstream.path).toBe(`${base}/google/models/text-embedding-005:predict`);
    expect(upstream.headers.authorization).toMatch(/^Bearer ya29\.vertex-test-\d$/);
    expect(upstream.json).toEqual({ instances: [{ content: 'one two' }, { content: 'three' }], parameters: { outputDimensionality: 256 } });
    const entry = await stack.waitForAccessLog((line) => line.model === 'vertex-embed');
    expect(entry).toMatchObject({ status: 200, input_tokens: 3 });
  });
});
