import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

/**
 * OTLP/HTTP with JSON bodies (the OpenTelemetry protocol's own JSON encoding, serialized by
 * @opentelemetry/otlp-transformer), sent with fetch. The official exporter package loads
 * node's http module with a dynamic import(), which test runners without ESM support cannot
 * do; the wire format is the same.
 */
export class OtlpJsonTraceExporter implements SpanExporter {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly url: string,
    private readonly headers: Record<string, string>,
    private readonly timeoutMs = 10_000,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    const body = JsonTraceSerializer.serializeRequest(spans);
    if (!body) {
      done({ code: ExportResultCode.FAILED, error: new Error('spans could not be serialized') });
      return;
    }
    const sent = fetch(this.url, { method: 'POST', headers: { 'content-type': 'application/json', ...this.headers }, body, signal: AbortSignal.timeout(this.timeoutMs) })
      .then(async (response) => {
        await response.arrayBuffer();
        done(response.ok ? { code: ExportResultCode.SUCCESS } : { code: ExportResultCode.FAILED, error: new Error(`OTLP endpoint answered ${response.status}`) });
      })
      .catch((error: Error) => done({ code: ExportResultCode.FAILED, error }))
      .finally(() => this.pending.delete(sent));
    this.pending.add(sent);
  }

  async forceFlush(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  async shutdown(): Promise<void> {
    await this.forceFlush();
  }
}
