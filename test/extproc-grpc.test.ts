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
    // (Plain TCP on loopback: tests pass addresses directly; a config file needs a Unix socket or mTLS.)
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

  const body = Buffer.from(JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hello there' }] }));

  /** The request body message as Envoy sends it: the headers aigw reads come as request attributes. */
  function requestBody(chunk: Buffer, attributes: Record<string, string> = {}): ProcessingRequest {
    const fields = { 'request.path': '/v1/chat/completions', 'request.method': 'POST', "request.headers['authorization']": `Bearer ${KEY}`, ...attributes };
    return {
      request_body: { body: chunk, end_of_stream: true },
      attributes: { 'envoy.filters.http.ext_proc': { fields: Object.fromEntries(Object.entries(fields).map(([name, value]) => [name, { stringValue: value }])) } },
    };
  }

  async function waitForStoreSize(size: number): Promise<void> {
    for (let tries = 0; tries < 100 && gateway.extproc.store.size !== size; tries++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(gateway.extproc.store.size).toBe(size);
  }

  test('one message for the request: the model to route on, and the first attempt prepared for its backend', async () => {
    const { stream, next } = open('router');
    stream.write(requestBody(body));
    const response = await next();
    const reply = response.request_body?.response;
    expect(reply?.clear_route_cache).toBe(true);
    expect(reply?.header_mutation).toEqual({ set_headers: [], remove_headers: [] });
    // The upstream model name is in the first attempt's body.
    expect(JSON.parse(reply?.body_mutation?.body?.toString() ?? '')).toEqual({ model: 'alpha-m', messages: [{ role: 'user', content: 'hello there' }] });
    const fields = response.dynamic_metadata?.fields['io.aigw'].structValue?.fields ?? {};
    expect(fields.model.stringValue).toBe('m');
    expect(fields.team.stringValue).toBe('t');
    // What the Lua filters read is in a namespace of its own.
    const lua = response.dynamic_metadata?.fields['io.aigw.lua'].structValue?.fields ?? {};
    expect(lua.direct_backend.stringValue).toBe('alpha');
    expect(lua.direct_path.stringValue).toBe('/v1/chat/completions');
    expect(lua.stream.boolValue).toBe(false);
    expect(fields.direct_backend).toBeUndefined();
    // Request ids are random and not guessable from one another.
    expect(fields.request_id.stringValue).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const upstream = response.dynamic_metadata?.fields['io.aigw.upstream'].structValue?.fields ?? {};
    expect(Object.fromEntries(Object.entries(upstream).map(([name, value]) => [name, value.stringValue]))).toEqual({
      authorization: 'Bearer sk-alpha',
      'content-type': 'application/json',
      'x-aigw-team': 't',
      'x-aigw-project': 'p',
      'x-aigw-caller': 'c',
    });
    stream.end();
    await waitForStoreSize(0);
  });

  test('a later attempt is translated for its own backend, clearing every header the first one set', async () => {
    const router = open('router');
    router.stream.write(requestBody(body));
    const routed = await router.next();
    const requestId = routed.dynamic_metadata?.fields['io.aigw'].structValue?.fields.request_id.stringValue ?? '';
    const metadataContext = { filter_metadata: { 'io.aigw': toStruct({ request_id: requestId }) } };
    const upstream = open('upstream');
    upstream.stream.write({ ...headers({ ':method': 'POST', ':path': '/v1/chat/completions' }), attributes: hostMetadata('beta'), metadata_context: metadataContext });
    const answer = await upstream.next();
    const response = answer.request_headers?.response;
    expect(response?.status).toBe('CONTINUE_AND_REPLACE');
    const set = Object.fromEntries(response?.header_mutation?.set_headers.map((option) => [option.header?.key, option.header?.raw_value.toString()]) ?? []);
    const sentBody = response?.body_mutation?.body ?? Buffer.alloc(0);
    expect(set[':path']).toBe('/api/chat/completions');
    expect(set[':authority']).toBe('beta.example');
    expect(set.authorization).toBeUndefined();
    expect(set['x-aigw-content-length']).toBe(String(sentBody.length));
    expect(JSON.parse(sentBody.toString())).toEqual({ model: 'm', messages: [{ role: 'user', content: 'hello there' }] });
    // alpha's key (and every credential header of any style) goes; so do client API headers beta does not take.
    expect(response?.header_mutation?.remove_headers).toEqual(['authorization', 'api-key', 'x-api-key', 'x-goog-api-key', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256', 'openai-organization', 'openai-project', 'anthropic-version', 'anthropic-beta', 'openai-beta']);
    // Its warnings (none) replace the first attempt's for the response.
    expect(answer.dynamic_metadata?.fields['io.aigw.lua'].structValue?.fields.warning.stringValue).toBe('');
    upstream.stream.end();
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
    stream.write(requestBody(body));
    await next();
    await waitForStoreSize(1);
    stream.cancel();
    await waitForStoreSize(0);
  });

  test('a message out of phase gets a 500 in OpenAI shape that names no internal id, counted as a protocol error', async () => {
    const before = (await metrics.processingErrors.get()).values.find((value) => value.labels.kind === 'protocol')?.value ?? 0;
    const { stream, next } = open('router');
    stream.write({ response_body: { body: Buffer.from('x'), end_of_stream: true } });
    const response = await next();
    expect(response.immediate_response?.status?.code).toBe('InternalServerError');
    expect(JSON.parse(response.immediate_response?.body.toString() ?? '')).toEqual({
      error: { message: 'The gateway failed to process the request.', type: 'server_error', param: null, code: 'internal_error' },
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

  test('a body over the limit gets 413', async () => {
    const { stream, next } = open('router');
    stream.write(requestBody(Buffer.alloc(5000, 0x20)));
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
      stream.write(requestBody(Buffer.from(`{"model":"m"${extra},"messages":[{"role":"user","content":${content}}]}`), { 'request.path': path }));
      const response = await next();
      expect(response.immediate_response?.status?.code).toBe('BadRequest');
      expect(JSON.parse(response.immediate_response?.body.toString() ?? '')).toEqual(expected);
      stream.end();
    }
    await waitForStoreSize(0);
  });

  /** A routed request on a router stream (its first attempt prepared for alpha). */
  async function routed(request: object): Promise<ReturnType<typeof open>> {
    const router = open('router');
    router.stream.write(requestBody(Buffer.from(JSON.stringify(request))));
    expect((await router.next()).request_body?.response?.clear_route_cache).toBe(true);
    return router;
  }

  /** A response body chunk as Envoy sends it; the first carries the status attribute and the response headers aigw reads. */
  function responseChunk(body: Buffer, endOfStream: boolean, first?: { status: number; headers?: Record<string, string> }): ProcessingRequest {
    return {
      response_body: { body, end_of_stream: endOfStream },
      ...(first
        ? {
            attributes: { 'envoy.filters.http.ext_proc': { fields: { 'response.code': { numberValue: first.status } } } },
            metadata_context: { filter_metadata: { 'io.aigw.response': toStruct(first.headers ?? {}) } },
          }
        : {}),
    };
  }

  test('a gzip response decoding past limits.maxResponseBodyBytes: the body becomes a 502 upstream_response_too_large (status set by the Lua filter)', async () => {
    const router = await routed({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    // 2 MiB of zeros: 2 KB compressed, twice the configured 1 MiB decoded.
    router.stream.write(responseChunk(gzipSync(Buffer.alloc(2 * 1024 * 1024)), true, { status: 200, headers: { 'content-encoding': 'gzip' } }));
    const response = await router.next();
    expect(response.immediate_response).toBeUndefined();
    expect(JSON.parse(response.response_body?.response?.body_mutation?.body?.toString() ?? '')).toEqual({
      error: { message: 'The upstream response was refused: the decompressed response body exceeds limits.maxResponseBodyBytes (1048576 bytes).', type: 'server_error', param: null, code: 'upstream_response_too_large' },
    });
    expect(response.dynamic_metadata?.fields['io.aigw.lua'].structValue?.fields.response_status.numberValue).toBe(502);
    router.stream.end();
    await waitForStoreSize(0);
  });

  test('a streamed SSE event growing past limits.maxStreamEventBytes ends the stream with an error event, before the decoder holds more', async () => {
    const router = await routed({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const sent = async (chunk: ProcessingRequest): Promise<string> => {
      router.stream.write(chunk);
      return (await router.next()).response_body?.response?.body_mutation?.body?.toString() ?? '';
    };
    // Whole events go out as they complete; the unfinished one is held.
    expect(await sent(responseChunk(Buffer.from('data: {"choices":[]}\n\ndata: '), false, { status: 200 }))).toBe('data: {"choices":[]}\n\n');
    // 40 + 40 KiB of one unfinished event: the second chunk crosses the configured 64 KiB.
    expect(await sent(responseChunk(Buffer.alloc(40 * 1024, 0x61), false))).toBe('');
    router.stream.write(responseChunk(Buffer.alloc(40 * 1024, 0x61), false));
    const response = await router.next();
    const event = response.response_body?.response?.body_mutation?.body?.toString() ?? '';
    expect(event).toMatch(/^data: /);
    expect(JSON.parse(event.slice('data: '.length)).error).toMatchObject({ code: 'upstream_response_too_large', message: 'The upstream response was refused: a single stream event exceeds limits.maxStreamEventBytes (65536 bytes).' });
    router.stream.end();
    await waitForStoreSize(0);
  });

  test('fifty interleaved streams each get their own answer', async () => {
    const streams = Array.from({ length: 50 }, () => open('router'));
    streams.forEach(({ stream }, index) => stream.write(requestBody(body, { "request.headers['authorization']": index % 2 ? `Bearer ${KEY}` : 'Bearer wrong' })));
    const answers = await Promise.all(streams.map(({ next }) => next()));
    answers.forEach((answer, index) => {
      if (index % 2) expect(answer.request_body?.response?.clear_route_cache).toBe(true);
      else expect(answer.immediate_response?.status?.code).toBe('Unauthorized');
    });
    streams.forEach(({ stream }) => stream.end());
    await waitForStoreSize(0);
  });
});
