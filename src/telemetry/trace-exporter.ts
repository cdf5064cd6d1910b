import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type * as Grpc from '@grpc/grpc-js';
import type * as OtlpGrpc from '@opentelemetry/exporter-trace-otlp-grpc';
import type * as OtlpJson from '@opentelemetry/exporter-trace-otlp-http';
import type * as OtlpProto from '@opentelemetry/exporter-trace-otlp-proto';
import type { Logger } from './logger';
import type { GatewayMetrics } from './metrics';

/**
 * The official OTLP span exporters, chosen by OTEL_EXPORTER_OTLP_TRACES_PROTOCOL or
 * OTEL_EXPORTER_OTLP_PROTOCOL (`http/protobuf`, the spec's default; `http/json`; `grpc`), with
 * the endpoint, headers and timeout read from the environment aigw was given (the exporters
 * read the rest, such as compression and certificates, from the process environment
 * themselves). Each is loaded only when chosen. A failed export is counted and logged at
 * most once per interval with how many failed since.
 */
export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json', 'grpc'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];

/** The protocol the environment asks for; an unknown one is an error, not ignored. */
export function tracesProtocol(env: NodeJS.ProcessEnv): OtlpProtocol {
  const variable = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL' : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const value = (env[variable] ?? 'http/protobuf').trim();
  if ((OTLP_PROTOCOLS as readonly string[]).includes(value)) return value as OtlpProtocol;
  throw new Error(`${variable}=${value} is not an OTLP protocol aigw can export with (${OTLP_PROTOCOLS.join(', ')})`);
}

/** Where spans go: the traces endpoint as given; else the general one, with /v1/traces for HTTP (the spec's rules). */
export function tracesEndpoint(env: NodeJS.ProcessEnv, protocol: OtlpProtocol = tracesProtocol(env)): string {
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (protocol === 'grpc') return env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://localhost:4317';
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://localhost:4318';
  return `${base.replace(/\/+$/, '')}/v1/traces`;
}

/** `k1=v1,k2=v2` (values URL-encoded), as OTEL_EXPORTER_OTLP_HEADERS is written. */
export function otlpHeaders(value: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of (value ?? '').split(',')) {
    const equals = pair.indexOf('=');
    if (equals > 0) headers[pair.slice(0, equals).trim()] = decodeURIComponent(pair.slice(equals + 1).trim());
  }
  return headers;
}

function createExporter(protocol: OtlpProtocol, env: NodeJS.ProcessEnv): SpanExporter {
  const url = tracesEndpoint(env, protocol);
  const headers = otlpHeaders(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS ?? env.OTEL_EXPORTER_OTLP_HEADERS);
  const timeout = Number(env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT ?? env.OTEL_EXPORTER_OTLP_TIMEOUT);
  const timeoutMillis = Number.isFinite(timeout) && timeout > 0 ? timeout : 10_000;
  switch (protocol) {
    case 'http/protobuf': {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when chosen
      const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto') as typeof OtlpProto;
      return new OTLPTraceExporter({ url, headers, timeoutMillis });
    }
    case 'http/json': {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when chosen
      const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof OtlpJson;
      return new OTLPTraceExporter({ url, headers, timeoutMillis });
    }
    case 'grpc': {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when chosen
      const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-grpc') as typeof OtlpGrpc;
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { Metadata } = require('@grpc/grpc-js') as typeof Grpc;
      const metadata = new Metadata();
      for (const [key, value] of Object.entries(headers)) metadata.set(key, value);
      return new OTLPTraceExporter({ url, metadata, timeoutMillis });
    }
  }
}

/** Counts and logs failed exports (at most one log line per `logEveryMs`). */
export class ReportingExporter implements SpanExporter {
  private failedSinceLog = 0;
  private lastLogAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly inner: SpanExporter,
    private readonly protocol: OtlpProtocol,
    private readonly endpoint: string,
    private readonly logger: Logger,
    private readonly metrics: GatewayMetrics,
    private readonly logEveryMs = 60_000,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code !== ExportResultCode.SUCCESS) this.failed(spans.length, result.error);
      done(result);
    });
  }

  private failed(spans: number, error: Error | undefined): void {
    this.metrics.traceExportFailures.inc({ protocol: this.protocol });
    this.metrics.traceSpansLost.inc(spans);
    this.failedSinceLog++;
    const now = Date.now();
    if (now - this.lastLogAt < this.logEveryMs) return;
    this.logger.warn('trace export failed', { protocol: this.protocol, endpoint: this.endpoint, failedExports: this.failedSinceLog, error: error?.message ?? 'unknown' });
    this.failedSinceLog = 0;
    this.lastLogAt = now;
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

/** The exporter the environment asks for, reporting its failures. */
export function traceExporter(env: NodeJS.ProcessEnv, logger: Logger, metrics: GatewayMetrics): { exporter: SpanExporter; protocol: OtlpProtocol; endpoint: string } {
  const protocol = tracesProtocol(env);
  const endpoint = tracesEndpoint(env, protocol);
  return { exporter: new ReportingExporter(createExporter(protocol, env), protocol, endpoint, logger, metrics), protocol, endpoint };
}
