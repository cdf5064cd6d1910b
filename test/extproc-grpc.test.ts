import { gzipSync } from 'node:zlib';
import { Metadata, credentials, makeGenericClientConstructor } from '@grpc/grpc-js';
import type { ClientDuplexStream } from '@grpc/grpc-js';
import { hashApiKey } from '../src/auth/api-keys';
import { validateConfig } from '../src/config/load';
import { compileConfig } from '../src/config/runtime';
import { toStruct } from '../src/extproc/messages';
import { externalProcessorService } from '../src/extproc/proto';
import { Gateway } from '../src/gateway';
import type { ProcessingRequest } from '../src/generated/envoy/service/ext_proc/v3/ProcessingRequest';
import type { ProcessingResponse__Output } from '../src/generated/envoy/service/ext_proc/v3/ProcessingResponse';
import { silentLogger } from '../src/telemetry/logger';
import { GatewayMetrics } from '../src/telemetry/metrics';

/**
 * Drives aigw's ext_proc service over real gRPC exactly as Envoy does, for the phase and
 * stream edge cases that are hard to provoke through Envoy itself.
 */
const KEY = 'sk-grpc-test';
type Stream = ClientDuplexStream<ProcessingRequest, ProcessingResponse__Output>;

function headers(entries: Record<string, string>, endOfStream = false): ProcessingRequest {
  return {
    request_headers: {
      headers: { headers: Object.entries(entries).map(([key, value]) => ({ key, raw_value: Buffer.from(value) })) },
      end_of_stream: endOfStream,
    },
  };
}

function hostMetadata(backend: string): ProcessingRequest['attributes'] {
  // Envoy 1.36 sends endpoint metadata as protobuf text format in a string value.
  const text = `filter_metadata { key: "envoy.transport_socket_match" value { fields { key: "aigw_backend" value { string_value: "${backend}" } } } } filter_metadata { key: "io.aigw" value { fields { key: "backend" value { string_value: "${backend}" } } } }`;
  return { 'envoy.filters.http.ext_proc': { fields: { 'xds.upstream_host_metadata': { stringValue: text } } } };
}

describe('ext_proc over gRPC', () => {
  let gateway: Gateway;
  let client: InstanceType<ReturnType<typeof makeGenericClientConstructor>>;
  const metrics = new GatewayMetrics({ defaultMetrics: false });

  beforeAll(async () => {
    const config = compileConfig(
      validateConfig({
        backends: [
          { name: 'alpha', kind: 'openai', baseUrl: 'https://alpha.example:8443/v1', credential: { env: 'ALPHA_KEY' } },
          { name: 'beta', kind: 'openai', baseUrl: 'http://beta.example/api' },
        ],
        models: [{ name: 'm', backends: [{ backend: 'alpha', model: 'alpha-m' }, { backend: 'beta' }] }],
        callers: [{ name: 'c', keyHash: hashApiKey(KEY), team: 't', project: 'p' }],
        limits: { maxRequestBodyBytes: 4096, maxJsonDepth: 16, maxStreamEventBytes: 65536, maxResponseBodyBytes: 1048576 },
      }),
      { ALPHA_KEY: 'sk-alpha' },
    );
    gateway = await Gateway.start({ config, logger: silentLogger, metrics, grpcAddresses: ['127.0.0.1:0'], adminAddress: null });
    const Client = makeGenericClientConstructor(externalProcessorService(), 'ExternalProcessor');
    client = new Client(gateway.grpcAddresses[0], credentials.createInsecure());
  });

  afterAll(async () => {
    client?.close();
    await gateway?.stop(0);
  });

  function open(filter: 'router' | 'upstream'): { stream: Stream; next: () => Promise<ProcessingResponse__Output> } {
    const metadata = new Metadata();
    metadata.set('x-aigw-filter', filter);
    const stream = (client as unknown as { Process(metadata: Metadata): Stream }).Process(metadata);
    const queue: ProcessingResponse__Output[] = [];
    const waiters: Array<(value: ProcessingResponse__Output) => void> = [];
    stream.on('data', (message: ProcessingResponse__Output) => {
      const waiter = waiters.shift();
      if (waiter) waiter(message);
      else queue.push(message);
    });
    stream.on('error', () => undefined);
    const next = (): Promise<ProcessingResponse__Output> => {
      const queued = queue.shift();
      return queued ? Promise.resolve(queued) : new Promise((resolve) => waiters.push(resolve));
    };
    return { stream, next };
  }

  const chatHeaders = { ':method': 'POST', ':path': '/v1/chat/completions', authorization: `Bearer ${KEY}`, 'x-aigw-model': 'forged' };
  const body = Buffer.from(JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hello there' }] }));

  async function waitForStoreSize(size: number): Promise<void> {
    for (let tries = 0; tries < 100 && gateway.extproc.store.size !== size; tries++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(gateway.extproc.store.size).toBe(size);
  }

  test('a body split into many chunks is collected; the model header is set and the route cache cleared at its end', async () => {
    const { stream, next } = open('router');
    stream.write(headers(chatHeaders));
    const first = await next();
    expect(first.request_headers?.response?.header_mutation?.remove_headers.sort()).toEqual(['authorization', 'x-aigw-model']);
    // The caller's identity for Envoy's routes and limits (a client's own x-aigw-team would be overwritten).
    expect(first.request_headers?.response?.header_mutation?.set_headers.map((option) => [option.header?.key, option.header?.raw_value.toString(), option.append_action])).toEqual([
      ['x-aigw-team', 't', 'OVERWRITE_IF_EXISTS_OR_ADD'],
      ['x-aigw-project', 'p', 'OVERWRITE_IF_EXISTS_OR_ADD'],
      ['x-aigw-caller', 'c', 'OVERWRITE_IF_EXISTS_OR_ADD'],
    ]);
    for (let offset = 0; offset < body.length; offset += 7) {
      const end = Math.min(offset + 7, body.length);
      stream.write({ request_body: { body: body.subarray(offset, end), end_of_stream: end === body.length } });
      const response = await next();
      if (end < body.length) {
        expect(response.request_body?.response?.header_mutation).toBeNull();
      } else {
        const mutation = response.request_body?.response?.header_mutation;
        expect(mutation?.set_headers.map((option) => [option.header?.key, option.header?.raw_value.toString()])).toEqual([['x-aigw-model', 'm']]);
        expect(response.request_body?.response?.clear_route_cache).toBe(true);
        expect(response.dynamic_metadata?.fields['io.aigw'].structValue?.fields.team.stringValue).toBe('t');
      }
    }
    stream.end();
    await waitForStoreSize(0);
  });

  test('each attempt is translated for its own backend, linked by dynamic metadata', async () => {
    const router = open('router');
    router.stream.write(headers(chatHeaders));
    await router.next();
    router.stream.write({ request_body: { body, end_of_stream: true } });
    const routed = await router.next();
    const requestId = routed.dynamic_metadata?.fields['io.aigw'].structValue?.fields.request_id.stringValue ?? '';
    expect(requestId).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
    const metadataContext = { filter_metadata: { 'io.aigw': toStruct({ request_id: requestId }) } };

    for (const [backend, expected] of [
      ['alpha', { ':path': '/v1/chat/completions', ':authority': 'alpha.example:8443', authorization: 'Bearer sk-alpha', model: 'alpha-m', remove: ['api-key', 'x-api-key', 'x-goog-api-key', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256', 'anthropic-version', 'anthropic-beta', 'openai-organization', 'openai-project'] }],
      ['beta', { ':path': '/api/chat/completions', ':authority': 'beta.example', authorization: undefined, model: 'm', remove: ['authorization', 'api-key', 'x-api-key', 'x-goog-api-key', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256', 'anthropic-version', 'anthropic-beta', 'openai-organization', 'openai-project'] }],
    ] as const) {
      const upstream = open('upstream');
      upstream.stream.write({ ...headers({ ':method': 'POST', ':path': '/v1/chat/completions' }), attributes: hostMetadata(backend), metadata_context: metadataContext });
      const response = (await upstream.next()).request_headers?.response;
      expect(response?.status).toBe('CONTINUE_AND_REPLACE');
      const set = Object.fromEntries(response?.header_mutation?.set_headers.map((option) => [option.header?.key, option.header?.raw_value.toString()]) ?? []);
      const sentBody = response?.body_mutation?.body ?? Buffer.alloc(0);
      expect(set[':path']).toBe(expected[':path']);
      expect(set[':authority']).toBe(expected[':authority']);
      expect(set.authorization).toBe(expected.authorization);
      expect(set['x-aigw-content-length']).toBe(String(sentBody.length));
      expect(JSON.parse(sentBody.toString())).toEqual({ model: expected.model, messages: [{ role: 'user', content: 'hello there' }] });
      expect(response?.header_mutation?.remove_headers).toEqual(expected.remove);
      upstream.stream.end();
    }
    router.stream.end();
    await waitForStoreSize(0);
  });

  test('endpoint metadata sent as a Struct (newer Envoy) is read too', async () => {
    const { backendOf } = await import('../src/extproc/upstream-processor');
    const struct = toStruct({ filter_metadata: { 'io.aigw': { backend: 'beta' } } });
    expect(backendOf({ attributes: { 'envoy.filters.http.ext_proc': { fields: { 'xds.upstream_host_metadata': { structValue: struct } } } } } as never)).toBe('beta');
    expect(backendOf({ attributes: {} } as never)).toBeUndefined();
  });

  test('a stream closed mid-request frees its state', async () => {
    const { stream, next } = open('router');
    stream.write(headers(chatHeaders));
    await next();
    await waitForStoreSize(1);
    stream.cancel();
    await waitForStoreSize(0);
  });

  test('a message out of phase gets a 500 in OpenAI shape, counted as a protocol error', async () => {
    const before = (await metrics.processingErrors.get()).values.find((value) => value.labels.kind === 'protocol')?.value ?? 0;
    const { stream, next } = open('router');
    stream.write({ response_body: { body: Buffer.from('x'), end_of_stream: true } });
    const response = await next();
    expect(response.immediate_response?.status?.code).toBe('InternalServerError');
    expect(JSON.parse(response.immediate_response?.body.toString() ?? '')).toEqual({
      error: { message: 'The gateway failed to process the request (request id none).', type: 'server_error', param: null, code: 'internal_error' },
    });
    stream.end();
    const after = (await metrics.processingErrors.get()).values.find((value) => value.labels.kind === 'protocol')?.value ?? 0;
    expect(after).toBe(before + 1);
  });

  test('an upstream attempt with no request state is refused, not guessed', async () => {
    const { stream, next } = open('upstream');
    stream.write({ ...headers({ ':path': '/v1/chat/completions' }), attributes: hostMetadata('alpha') });
    const response = await next();
    expect(response.immediate_response?.status?.code).toBe('InternalServerError');
    stream.end();
  });

  test('a body over the limit in chunks gets 413', async () => {
    const { stream, next } = open('router');
    stream.write(headers(chatHeaders));
    await next();
    stream.write({ request_body: { body: Buffer.alloc(3000, 0x20), end_of_stream: false } });
    expect((await next()).immediate_response).toBeUndefined();
    stream.write({ request_body: { body: Buffer.alloc(3000, 0x20), end_of_stream: true } });
    const response = await next();
    expect(response.immediate_response?.status?.code).toBe('PayloadTooLarge');
    stream.end();
    await waitForStoreSize(0);
  });

  test('a body nested deeper than limits.maxJsonDepth gets 400 json_too_deep in the client API\'s shape', async () => {
    const content = '['.repeat(14) + ']'.repeat(14); // 3 levels of envelope + 14 = 17 > 16
    for (const [path, extra, expected] of [
      ['/v1/chat/completions', '', { error: { message: 'The request body nests arrays and objects more than 16 levels deep (limits.maxJsonDepth).', type: 'invalid_request_error', param: null, code: 'json_too_deep' } }],
      ['/v1/messages', ',"max_tokens":5', { type: 'error', error: { type: 'invalid_request_error', message: 'The request body nests arrays and objects more than 16 levels deep (limits.maxJsonDepth).' } }],
    ] as const) {
      const { stream, next } = open('router');
      stream.write(headers({ ...chatHeaders, ':path': path }));
      await next();
      stream.write({ request_body: { body: Buffer.from(`{"model":"m"${extra},"messages":[{"role":"user","content":${content}}]}`), end_of_stream: true } });
      const response = await next();
      expect(response.immediate_response?.status?.code).toBe('BadRequest');
      expect(JSON.parse(response.immediate_response?.body.toString() ?? '')).toEqual(expected);
      stream.end();
    }
    await waitForStoreSize(0);
  });

  /** A routed request on a router stream, with its upstream attempt on `alpha` translated (so the request has its translator). */
  async function routedWithAttempt(requestBody: object): Promise<ReturnType<typeof open>> {
    const router = open('router');
    router.stream.write(headers(chatHeaders));
    await router.next();
    router.stream.write({ request_body: { body: Buffer.from(JSON.stringify(requestBody)), end_of_stream: true } });
    const routed = await router.next();
    const requestId = routed.dynamic_metadata?.fields['io.aigw'].structValue?.fields.request_id.stringValue ?? '';
    const upstream = open('upstream');
    upstream.stream.write({ ...headers({ ':method': 'POST', ':path': '/v1/chat/completions' }), attributes: hostMetadata('alpha'), metadata_context: { filter_metadata: { 'io.aigw': toStruct({ request_id: requestId }) } } });
    expect((await upstream.next()).request_headers?.response?.status).toBe('CONTINUE_AND_REPLACE');
    upstream.stream.end();
    return router;
  }

  test('a gzip response decoding past limits.maxResponseBodyBytes gets 502 upstream_response_too_large', async () => {
    const router = await routedWithAttempt({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    router.stream.write({ response_headers: { headers: { headers: [{ key: ':status', raw_value: Buffer.from('200') }, { key: 'content-encoding', raw_value: Buffer.from('gzip') }] } } });
    await router.next();
    // 2 MiB of zeros: 2 KB compressed, twice the configured 1 MiB decoded.
    router.stream.write({ response_body: { body: gzipSync(Buffer.alloc(2 * 1024 * 1024)), end_of_stream: true } });
    const response = await router.next();
    expect(response.immediate_response?.status?.code).toBe('BadGateway');
    expect(JSON.parse(response.immediate_response?.body.toString() ?? '')).toEqual({
      error: { message: 'The upstream response was refused: the decompressed response body exceeds limits.maxResponseBodyBytes (1048576 bytes).', type: 'server_error', param: null, code: 'upstream_response_too_large' },
    });
    router.stream.end();
    await waitForStoreSize(0);
  });

  test('a streamed SSE event growing past limits.maxStreamEventBytes gets 502 before the decoder holds more', async () => {
    const router = await routedWithAttempt({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    router.stream.write({ response_headers: { headers: { headers: [{ key: ':status', raw_value: Buffer.from('200') }, { key: 'content-type', raw_value: Buffer.from('text/event-stream') }] } } });
    expect((await router.next()).mode_override?.response_body_mode).toBe('STREAMED');
    router.stream.write({ response_body: { body: Buffer.from('data: {"choices":[]}\n\ndata: '), end_of_stream: false } });
    expect((await router.next()).immediate_response).toBeUndefined();
    // 40 + 40 KiB of one unfinished event: the second chunk crosses the configured 64 KiB.
    router.stream.write({ response_body: { body: Buffer.alloc(40 * 1024, 0x61), end_of_stream: false } });
    expect((await router.next()).immediate_response).toBeUndefined();
    router.stream.write({ response_body: { body: Buffer.alloc(40 * 1024, 0x61), end_of_stream: false } });
    const response = await router.next();
    expect(response.immediate_response?.status?.code).toBe('BadGateway');
    expect(JSON.parse(response.immediate_response?.body.toString() ?? '').error).toMatchObject({ code: 'upstream_response_too_large', message: 'The upstream response was refused: a single stream event exceeds limits.maxStreamEventBytes (65536 bytes).' });
    router.stream.end();
    await waitForStoreSize(0);
  });

  test('fifty interleaved streams each get their own answer', async () => {
    const streams = Array.from({ length: 50 }, () => open('router'));
    streams.forEach(({ stream }, index) => stream.write(headers({ ...chatHeaders, authorization: index % 2 ? `Bearer ${KEY}` : 'Bearer wrong' })));
    const answers = await Promise.all(streams.map(({ next }) => next()));
    answers.forEach((answer, index) => {
      if (index % 2) expect(answer.request_headers).not.toBeNull();
      else expect(answer.immediate_response?.status?.code).toBe('Unauthorized');
    });
    streams.forEach(({ stream }) => stream.end());
    await waitForStoreSize(0);
  });
});
