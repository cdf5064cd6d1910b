import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { createLogger } from '../src/telemetry/logger';
import { Stack, TEST_KEY, describeE2E, metricSum, waitFor } from './harness';
import { attributes, startReceiver } from './otlp-receiver';
import type { Receiver } from './otlp-receiver';

/**
 * Traces through the official OTLP exporters, one per OTEL_EXPORTER_OTLP_PROTOCOL, to a local
 * receiver speaking that protocol; a down endpoint counted and logged; an unknown protocol
 * refused at start.
 */
describeE2E('OTLP trace export protocols', () => {
  let provider: FakeProvider;

  beforeAll(async () => {
    provider = await FakeProvider.start({ name: 'otlp' });
  });

  afterAll(async () => {
    await provider?.close();
  });

  const config = (): Record<string, unknown> => ({
    backends: [{ name: 'p', kind: 'openai', baseUrl: `${provider.url}/v1` }],
    models: [{ name: 'gpt-4o', backends: [{ backend: 'p' }] }],
  });

  test.each([
    ['http/protobuf', 'http', 'application/x-protobuf'],
    ['http/json', 'http', 'application/json'],
    ['grpc', 'grpc', 'grpc'],
  ] as const)('OTEL_EXPORTER_OTLP_PROTOCOL=%s: the request span reaches the receiver with its GenAI attributes', async (protocol, receiverKind, encoding) => {
    const receiver: Receiver = await startReceiver(receiverKind);
    const stack = await Stack.start({
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: protocol, OTEL_BSP_SCHEDULE_DELAY: '50', OTEL_SERVICE_NAME: `aigw-${protocol}` },
      config: config(),
    });
    try {
      const openai = new OpenAI({ apiKey: TEST_KEY, baseURL: `${stack.baseUrl}/v1`, maxRetries: 0 });
      const chat = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }], max_tokens: 7 });
      if (!chat.usage) throw new Error('no usage');
      await waitFor(async () => receiver.spans.some((span) => attributes(span.attributes)['gen_ai.request.max_tokens'] === 7), 10_000);
      const span = receiver.spans.find((candidate) => attributes(candidate.attributes)['gen_ai.request.max_tokens'] === 7);
      const values = attributes(span?.attributes);
      expect({
        name: span?.name,
        kind: span?.kind,
        traceId: /^[0-9a-f]{32}$/.test(span?.traceId ?? ''),
        model: values['gen_ai.request.model'],
        input: values['gen_ai.usage.input_tokens'],
        output: values['gen_ai.usage.output_tokens'],
      }).toEqual({ name: 'chat gpt-4o', kind: 3, traceId: true, model: 'gpt-4o', input: chat.usage.prompt_tokens, output: chat.usage.completion_tokens });
      expect(new Set(receiver.encodings)).toEqual(new Set([encoding]));
      expect(JSON.stringify(receiver.resources)).toContain(`aigw-${protocol}`);
    } finally {
      await stack.stop();
      await receiver.close();
    }
  }, 60_000);

  test('an endpoint nobody answers: failed exports are counted and logged once per interval, requests unaffected', async () => {
    // A port the system just gave out and took back: nothing listens there.
    const probe = createServer().listen(0, '127.0.0.1');
    await new Promise((done) => probe.once('listening', done));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((done) => probe.close(done));
    const lines: string[] = [];
    const stack = await Stack.start({
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_BSP_SCHEDULE_DELAY: '50', OTEL_EXPORTER_OTLP_TIMEOUT: '2000' },
      config: config(),
      logger: createLogger('info', (line) => lines.push(line)),
    });
    try {
      const openai = new OpenAI({ apiKey: TEST_KEY, baseURL: `${stack.baseUrl}/v1`, maxRetries: 0 });
      for (let index = 0; index < 3; index++) {
        await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: `hello ${index}` }] });
        // One batch per request: the batch delay is 50 ms.
        await new Promise((done) => setTimeout(done, 300));
      }
      // Batches may merge spans of several requests: every span is lost, in 1 to 3 failed exports.
      const metrics = async (): Promise<string> => (await fetch(`http://127.0.0.1:${stack.gateway.adminPort}/metrics`)).text();
      await waitFor(async () => metricSum(await metrics(), 'aigw_trace_spans_lost_total', {}) >= 3, 15_000);
      const text = await metrics();
      expect(metricSum(text, 'aigw_trace_spans_lost_total', {})).toBe(3);
      const failures = metricSum(text, 'aigw_trace_export_failures_total', { protocol: 'http/protobuf' });
      expect(failures).toBeGreaterThanOrEqual(1);
      expect(failures).toBeLessThanOrEqual(3);
      const warnings = lines.filter((line) => line.includes('trace export failed'));
      expect(warnings).toHaveLength(1);
      expect(JSON.parse(warnings[0])).toMatchObject({ level: 'warn', message: 'trace export failed', protocol: 'http/protobuf', endpoint: `http://127.0.0.1:${port}/v1/traces`, failedExports: 1 });
    } finally {
      await stack.stop();
    }
  }, 60_000);

  test('an unknown OTEL_EXPORTER_OTLP_PROTOCOL stops the start with a message naming it', async () => {
    await expect(Stack.start({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/xml' }, config: config() })).rejects.toThrow(
      'OTEL_EXPORTER_OTLP_PROTOCOL=http/xml is not an OTLP protocol aigw can export with (http/protobuf, http/json, grpc)',
    );
  }, 30_000);
});
