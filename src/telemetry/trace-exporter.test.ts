import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { createLogger } from './logger';
import { GatewayMetrics } from './metrics';
import { ReportingExporter, otlpHeaders, tracesEndpoint, tracesProtocol } from './trace-exporter';

describe('OTLP settings from the environment', () => {
  test('protocol: the traces variable, then the general one, then http/protobuf (the spec default)', () => {
    expect(tracesProtocol({})).toBe('http/protobuf');
    expect(tracesProtocol({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toBe('grpc');
    expect(tracesProtocol({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' })).toBe('http/json');
    expect(() => tracesProtocol({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'thrift' })).toThrow(
      'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=thrift is not an OTLP protocol aigw can export with (http/protobuf, http/json, grpc)',
    );
  });

  test('endpoint: a traces endpoint as given; a general one gets /v1/traces over HTTP and stays as is over gRPC', () => {
    expect(tracesEndpoint({})).toBe('http://localhost:4318/v1/traces');
    expect(tracesEndpoint({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toBe('http://localhost:4317');
    expect(tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toBe('http://collector:4318/v1/traces');
    expect(tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toBe('http://collector:4317');
    expect(tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b/custom' })).toBe('http://b/custom');
  });

  test('headers: comma-separated pairs, values URL-decoded', () => {
    expect(otlpHeaders('api-key=abc%20def, x-team = t1,broken')).toEqual({ 'api-key': 'abc def', 'x-team': 't1' });
    expect(otlpHeaders(undefined)).toEqual({});
  });
});

describe('ReportingExporter', () => {
  const spans = (count: number): ReadableSpan[] => Array.from({ length: count }, () => ({}) as ReadableSpan);

  test('counts every failed export and its spans, logs at most once per interval with the failures since', () => {
    let result: ExportResult = { code: ExportResultCode.FAILED, error: new Error('connect ECONNREFUSED') };
    const inner: SpanExporter = { export: (_spans, done) => done(result), shutdown: async () => undefined };
    const lines: string[] = [];
    const metrics = new GatewayMetrics({ defaultMetrics: false });
    const exporter = new ReportingExporter(inner, 'grpc', 'http://collector:4317', createLogger('info', (line) => lines.push(line)), metrics, 60_000);
    const results: ExportResult[] = [];
    let now = 1_000_000;
    const clock = jest.spyOn(Date, 'now').mockImplementation(() => now);
    try {
      exporter.export(spans(2), (r) => results.push(r));
      exporter.export(spans(3), (r) => results.push(r));
      now += 61_000;
      exporter.export(spans(1), (r) => results.push(r));
      result = { code: ExportResultCode.SUCCESS };
      exporter.export(spans(4), (r) => results.push(r));
    } finally {
      clock.mockRestore();
    }
    expect(results.map((r) => r.code)).toEqual([ExportResultCode.FAILED, ExportResultCode.FAILED, ExportResultCode.FAILED, ExportResultCode.SUCCESS]);
    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>).map(({ message, failedExports, error }) => ({ message, failedExports, error }));
    expect(logged).toEqual([
      { message: 'trace export failed', failedExports: 1, error: 'connect ECONNREFUSED' },
      { message: 'trace export failed', failedExports: 2, error: 'connect ECONNREFUSED' },
    ]);
    return Promise.all([metrics.registry.getSingleMetricAsString('aigw_trace_export_failures_total'), metrics.registry.getSingleMetricAsString('aigw_trace_spans_lost_total')]).then(([failures, lost]) => {
      expect(failures).toContain('aigw_trace_export_failures_total{protocol="grpc"} 3');
      expect(lost).toContain('aigw_trace_spans_lost_total 6');
    });
  });
});
