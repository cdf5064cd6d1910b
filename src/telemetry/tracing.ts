import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type { Context, Span, TextMapGetter, TextMapSetter, Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Logger } from './logger';
import type { GatewayMetrics } from './metrics';
import { traceExporter } from './trace-exporter';

/**
 * Traces over OTLP, configured by the standard OTEL_* environment variables: on when
 * OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set (or
 * OTEL_TRACES_EXPORTER=otlp), off with OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none.
 * Read here: OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL, the endpoint, _HEADERS and _TIMEOUT,
 * OTEL_BSP_SCHEDULE_DELAY, OTEL_SERVICE_NAME (default aigw) and OTEL_RESOURCE_ATTRIBUTES.
 * Spans go through the official exporters (trace-exporter.ts).
 * Prompt and completion content go on spans only when enabled in config or by
 * OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true.
 */
export interface Tracing {
  readonly tracer: Tracer;
  readonly captureContent: boolean;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

export function tracingEnabled(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SDK_DISABLED === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '').split(',').map((name) => name.trim());
  if (exporters.includes('none')) return false;
  return exporters.includes('otlp') || Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT) || Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/** Starts the tracer provider when the environment asks for traces; undefined otherwise. */
export function startTracing(env: NodeJS.ProcessEnv, captureContentConfig: boolean, logger: Logger, metrics: GatewayMetrics): Tracing | undefined {
  if (!tracingEnabled(env)) return undefined;
  const resource = resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? 'aigw' }).merge(detectResources({ detectors: [envDetector] }));
  const { exporter, protocol, endpoint } = traceExporter(env, logger, metrics);
  logger.info('tracing on', { protocol, endpoint });
  const delay = Number(env.OTEL_BSP_SCHEDULE_DELAY);
  const processor = new BatchSpanProcessor(exporter, Number.isFinite(delay) && delay > 0 ? { scheduledDelayMillis: delay } : {});
  const provider = new BasicTracerProvider({ resource, spanProcessors: [processor] });
  return {
    tracer: provider.getTracer('aigw'),
    captureContent: captureContentConfig || env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT === 'true',
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

const propagator = new W3CTraceContextPropagator();

const mapGetter: TextMapGetter<ReadonlyMap<string, string>> = {
  keys: (carrier) => [...carrier.keys()],
  get: (carrier, key) => carrier.get(key.toLowerCase()),
};

const recordSetter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

/** The caller's trace context (W3C traceparent/tracestate), or the root when there is none. */
export function incomingContext(headers: ReadonlyMap<string, string>): Context {
  return propagator.extract(ROOT_CONTEXT, headers, mapGetter);
}

/** traceparent (and tracestate) naming `span` as the parent, for the request sent to the provider. */
export function outgoingHeaders(span: Span): Record<string, string> {
  const headers: Record<string, string> = {};
  propagator.inject(trace.setSpan(ROOT_CONTEXT, span), headers, recordSetter);
  return headers;
}
