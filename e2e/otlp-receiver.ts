import { Server as GrpcServer, ServerCredentials } from '@grpc/grpc-js';
import type { sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Root } from 'protobufjs';
import type { Type } from 'protobufjs';

/** A span as OTLP/JSON carries it (protobuf exports are decoded into the same shape). */
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
  events?: Array<{ name: string; attributes: Array<{ key: string; value: Record<string, unknown> }> }>;
  status?: { code?: number };
}

interface ExportRequest {
  resourceSpans?: Array<{ resource?: unknown; scopeSpans?: Array<{ spans?: OtlpSpan[] }> }>;
}

/**
 * ExportTraceServiceRequest as the OTLP protocol defines it (opentelemetry-proto,
 * collector/trace/v1 and trace/v1), the fields a test reads, named as OTLP/JSON names them so
 * a decoded protobuf export has the JSON export's shape. Field numbers are the wire contract.
 */
const OTLP_TRACES = Root.fromJSON({
  nested: {
    otlp: {
      nested: {
        ExportTraceServiceRequest: { fields: { resourceSpans: { rule: 'repeated', type: 'ResourceSpans', id: 1 } } },
        ExportTraceServiceResponse: { fields: {} },
        ResourceSpans: { fields: { resource: { type: 'Resource', id: 1 }, scopeSpans: { rule: 'repeated', type: 'ScopeSpans', id: 2 } } },
        Resource: { fields: { attributes: { rule: 'repeated', type: 'KeyValue', id: 1 } } },
        ScopeSpans: { fields: { spans: { rule: 'repeated', type: 'Span', id: 2 } } },
        Span: {
          fields: {
            traceId: { type: 'bytes', id: 1 },
            spanId: { type: 'bytes', id: 2 },
            parentSpanId: { type: 'bytes', id: 4 },
            name: { type: 'string', id: 5 },
            kind: { type: 'int32', id: 6 },
            attributes: { rule: 'repeated', type: 'KeyValue', id: 9 },
            events: { rule: 'repeated', type: 'Event', id: 11 },
            status: { type: 'Status', id: 15 },
          },
        },
        Event: { fields: { name: { type: 'string', id: 2 }, attributes: { rule: 'repeated', type: 'KeyValue', id: 3 } } },
        Status: { fields: { code: { type: 'int32', id: 3 } } },
        KeyValue: { fields: { key: { type: 'string', id: 1 }, value: { type: 'AnyValue', id: 2 } } },
        AnyValue: {
          oneofs: { value: { oneof: ['stringValue', 'boolValue', 'intValue', 'doubleValue'] } },
          fields: { stringValue: { type: 'string', id: 1 }, boolValue: { type: 'bool', id: 2 }, intValue: { type: 'int64', id: 3 }, doubleValue: { type: 'double', id: 4 } },
        },
      },
    },
  },
});
const REQUEST: Type = OTLP_TRACES.lookupType('otlp.ExportTraceServiceRequest');
const RESPONSE: Type = OTLP_TRACES.lookupType('otlp.ExportTraceServiceResponse');

/** A protobuf ExportTraceServiceRequest in OTLP/JSON's shape (ids as hex, int64 as strings). */
function decodeProtobuf(body: Buffer): ExportRequest {
  const object = REQUEST.toObject(REQUEST.decode(body), { longs: String, bytes: Array, defaults: false, arrays: true });
  const hex = (value: unknown): string | undefined => (Array.isArray(value) && value.length > 0 ? Buffer.from(value as number[]).toString('hex') : undefined);
  for (const resourceSpans of (object as ExportRequest).resourceSpans ?? []) {
    for (const scope of resourceSpans.scopeSpans ?? []) {
      for (const span of scope.spans ?? []) {
        const raw = span as unknown as Record<string, unknown>;
        span.traceId = hex(raw.traceId) ?? '';
        span.spanId = hex(raw.spanId) ?? '';
        const parent = hex(raw.parentSpanId);
        if (parent) span.parentSpanId = parent;
        else delete span.parentSpanId;
      }
    }
  }
  return object as ExportRequest;
}

export type ReceiverProtocol = 'http' | 'grpc';

export interface Receiver {
  /** The OTLP endpoint to give OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly url: string;
  readonly spans: OtlpSpan[];
  readonly resources: unknown[];
  /** Content types (HTTP) or `grpc` of the exports received. */
  readonly encodings: string[];
  close(): Promise<void>;
}

/**
 * A local OTLP receiver. HTTP: `POST /v1/traces` with JSON (`application/json`) or protobuf
 * (`application/x-protobuf`) bodies; gRPC: `opentelemetry.proto.collector.trace.v1.TraceService/Export`.
 */
export async function startReceiver(protocol: ReceiverProtocol = 'http'): Promise<Receiver> {
  const spans: OtlpSpan[] = [];
  const resources: unknown[] = [];
  const encodings: string[] = [];
  const collect = (request: ExportRequest, encoding: string): void => {
    encodings.push(encoding);
    for (const resourceSpans of request.resourceSpans ?? []) {
      resources.push(resourceSpans.resource);
      for (const scope of resourceSpans.scopeSpans ?? []) spans.push(...(scope.spans ?? []));
    }
  };
  if (protocol === 'grpc') {
    const server = new GrpcServer();
    const service = {
      Export: {
        path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
        requestStream: false,
        responseStream: false,
        requestSerialize: (value: Buffer): Buffer => value,
        requestDeserialize: (bytes: Buffer): Buffer => bytes,
        responseSerialize: (): Buffer => Buffer.from(RESPONSE.encode(RESPONSE.create({})).finish()),
        responseDeserialize: (bytes: Buffer): Buffer => bytes,
      },
    };
    server.addService(service, {
      Export: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
        collect(decodeProtobuf(call.request), 'grpc');
        callback(null, Buffer.alloc(0));
      },
    });
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
    return { url: `http://127.0.0.1:${port}`, spans, resources, encodings, close: () => new Promise((done) => server.tryShutdown(() => done())) };
  }
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const type = String(request.headers['content-type'] ?? '');
      if (request.url !== '/v1/traces') return void response.writeHead(404).end();
      if (type.startsWith('application/x-protobuf')) {
        collect(decodeProtobuf(body), 'application/x-protobuf');
        return void response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(RESPONSE.encode(RESPONSE.create({})).finish());
      }
      collect(JSON.parse(body.toString('utf8')) as ExportRequest, 'application/json');
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    resources,
    encodings,
    close: () => new Promise((done) => server.close(() => done())),
  };
}

/** OTLP attribute values are typed unions: {stringValue}, {intValue: "12"}, {doubleValue}. */
export function attributes(list: OtlpSpan['attributes'] = []): Record<string, unknown> {
  return Object.fromEntries(list.map(({ key, value }) => [key, value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : (value.doubleValue ?? value.boolValue))]));
}
