import type { ProcessingRequest__Output } from '../generated/envoy/service/ext_proc/v3/ProcessingRequest';
import type { ProcessingResponse } from '../generated/envoy/service/ext_proc/v3/ProcessingResponse';
import type { AdminSnapshot } from '../admin/admin-state';
import type { RequestSettlement } from '../ratelimit/settlement';
import type { EnvoyEnds } from '../telemetry/envoy-ends';
import type { Logger } from '../telemetry/logger';
import type { GatewayMetrics } from '../telemetry/metrics';
import type { TelemetryServices } from '../telemetry/request-telemetry';

/** Prefix of the headers the gateway uses between its own filters; a client's are stripped. */
export const INTERNAL_HEADER_PREFIX = 'x-aigw-';

/** The internal headers, named once. */
export const HEADER = {
  model: 'x-aigw-model',
  /** Upstream body length, copied into content-length by the upstream header_mutation filter. */
  contentLength: 'x-aigw-content-length',
} as const;

/** Dynamic metadata namespace (access log, rate limits) and endpoint metadata namespace. */
export const METADATA_NAMESPACE = 'io.aigw';

/**
 * Dynamic metadata namespace with what Envoy's Lua filters read (the first attempt's path and
 * backend, the trace context, the response's flags), kept apart from io.aigw: every read of a
 * namespace converts all of it into a Lua table, per request.
 */
export const LUA_NAMESPACE = 'io.aigw.lua';

/**
 * Dynamic metadata namespace with the headers of the first attempt's upstream request
 * (credential included), which Envoy's Lua filter sets. Never logged: nothing in the
 * rendered config reads it but that filter.
 */
export const UPSTREAM_HEADERS_NAMESPACE = 'io.aigw.upstream';

/**
 * Dynamic metadata namespace with the response headers aigw reads (copied by the Lua filter:
 * ext_proc gives response headers to attributes only when it processes them as a message).
 */
export const RESPONSE_HEADERS_NAMESPACE = 'io.aigw.response';

/** The response headers aigw reads: the content coding it undoes, the content type (a JSON answer to a stream request), and Bedrock's token count. */
export const RESPONSE_HEADERS_FOR_AIGW = ['content-encoding', 'content-type', 'x-amzn-bedrock-input-token-count'] as const;

/**
 * Request header naming the backend aigw prepared the first attempt for. The attempt whose
 * endpoint is that backend skips the per-attempt processor; every other attempt runs it.
 * Removed before the request leaves Envoy.
 */
export const DIRECT_HEADER = 'x-aigw-direct';

/** Dynamic metadata key marking a reply aigw already shaped, so Envoy's local_reply_config leaves it alone. */
export const ERROR_SHAPED_KEY = 'error_shaped';

/** gRPC metadata key (set by Envoy's grpc_service initial_metadata) naming which filter is calling. */
export const FILTER_METADATA_KEY = 'x-aigw-filter';

/** True for a header name in the gateway's internal namespace. */
export function isInternalHeader(name: string): boolean {
  return name.toLowerCase().startsWith(INTERNAL_HEADER_PREFIX);
}

/** A message that does not fit the processor's phase: an Envoy config or protocol problem, not the client's. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

/** What processors need from the server. */
export interface ProcessorContext {
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  /** Per-request metrics, spans and audit records; without it (unit tests) only the basic metrics. */
  readonly telemetry?: TelemetryServices;
  /** Runtime keys, catalog and profiles from the admin store; absent when the admin API is off. */
  readonly access?: { current(): AdminSnapshot };
  /** Where a processor that did not see its request end waits for Envoy's access-log entry; absent in unit tests. */
  readonly envoyEnds?: EnvoyEnds;
  /** The rate-limit service, which settles each request's reservation when it ends; absent without limits. */
  readonly settlement?: RequestSettlement;
}

/** One ext_proc stream's processor: one answer per message, then close. */
export interface StreamProcessor {
  /** The answer to one message; a promise only where the work is async (upstream signing). */
  handle(message: ProcessingRequest__Output): ProcessingResponse | Promise<ProcessingResponse>;
  /** True once no further message is expected: the server ends the stream itself. */
  readonly finished: boolean;
  close(): void;
}
