import { loadPackageDefinition } from '@grpc/grpc-js';
import type { Server, ServerReadableStream, ServiceDefinition } from '@grpc/grpc-js';
import { fromJSON } from '@grpc/proto-loader';
import type { INamespace } from 'protobufjs';
import { LOADER_OPTIONS } from '../extproc/proto-paths';
import descriptor from '../generated/descriptors/accesslog.json';
import type { Logger } from './logger';
import type { EnvoyEnd } from './envoy-ends';


/** Envoy's response flags as its access log spells them (%RESPONSE_FLAGS%). */
const FLAG_CODES: Readonly<Record<string, string>> = {
  failed_local_healthcheck: 'LH',
  no_healthy_upstream: 'UH',
  upstream_request_timeout: 'UT',
  local_reset: 'LR',
  upstream_remote_reset: 'UR',
  upstream_connection_failure: 'UF',
  upstream_connection_termination: 'UC',
  upstream_overflow: 'UO',
  no_route_found: 'NR',
  delay_injected: 'DI',
  fault_injected: 'FI',
  rate_limited: 'RL',
  rate_limit_service_error: 'RLSE',
  downstream_connection_termination: 'DC',
  upstream_retry_limit_exceeded: 'URX',
  stream_idle_timeout: 'SI',
  invalid_envoy_request_headers: 'IH',
  downstream_protocol_error: 'DPE',
  upstream_max_stream_duration_reached: 'UMSDR',
  response_from_cache_filter: 'RFCF',
  no_filter_config_found: 'NFCF',
  duration_timeout: 'DT',
  upstream_protocol_error: 'UPE',
  no_cluster_found: 'NC',
  overload_manager: 'OM',
  dns_resolution_failure: 'DF',
  downstream_remote_reset: 'DR',
};

/** The fields of an HTTP access-log entry aigw reads (proto-loader objects). */
export interface HttpLogEntry {
  common_properties?: {
    response_flags?: Record<string, unknown> | null;
    metadata?: { filter_metadata?: Record<string, { fields?: Record<string, { stringValue?: string | null }> }> } | null;
  } | null;
  request?: { request_method?: string; path?: string; request_id?: string } | null;
  response?: { response_code?: { value?: number } | null; response_code_details?: string } | null;
}

interface LogsMessage {
  http_logs?: { log_entry?: HttpLogEntry[] } | null;
}

/** An entry as an EnvoyEnd. */
export function envoyEnd(entry: HttpLogEntry): EnvoyEnd {
  const flags = Object.entries(entry.common_properties?.response_flags ?? {})
    .filter(([name, value]) => value === true && FLAG_CODES[name])
    .map(([name]) => FLAG_CODES[name]);
  const requestId = entry.common_properties?.metadata?.filter_metadata?.['io.aigw']?.fields?.request_id?.stringValue ?? undefined;
  return {
    status: entry.response?.response_code?.value ?? 0,
    flags: flags.join(','),
    details: entry.response?.response_code_details ?? '',
    method: entry.request?.request_method ?? '',
    path: (entry.request?.path ?? '').split('?')[0],
    ...(requestId ? { requestId } : {}),
    ...(entry.request?.request_id ? { envoyRequestId: entry.request.request_id } : {}),
  };
}

let cached: ServiceDefinition | undefined;

export function accessLogService(): ServiceDefinition {
  if (!cached) {
    const definition = fromJSON(descriptor as INamespace, LOADER_OPTIONS);
    const grpcObject = loadPackageDefinition(definition) as unknown as { envoy: { service: { accesslog: { v3: { AccessLogService: { service: ServiceDefinition } } } } } };
    cached = grpcObject.envoy.service.accesslog.v3.AccessLogService.service;
  }
  return cached;
}

/**
 * `envoy.service.accesslog.v3.AccessLogService`: Envoy streams an entry for every request
 * aigw did not record itself (the access-log filter in the rendered config leaves out those
 * whose metadata says `recorded`): requests Envoy answered before aigw saw them (a route's
 * 401, 404 or 413), and requests whose end aigw did not see (Envoy's 503 or 504, a 429 from
 * the ratelimit filter, a client that left). Each becomes one EnvoyEnd for `onEnd`.
 */
export class AccessLogService {
  constructor(
    private readonly onEnd: (end: EnvoyEnd) => void,
    private readonly logger: Logger,
  ) {}

  addToServer(server: Server): void {
    server.addService(accessLogService(), {
      StreamAccessLogs: (call: ServerReadableStream<LogsMessage, unknown>, callback: (error: null, value: object) => void) => {
        call.on('data', (message: LogsMessage) => {
          for (const entry of message.http_logs?.log_entry ?? []) {
            try {
              this.onEnd(envoyEnd(entry));
            } catch (error) {
              this.logger.error('access log entry not recorded', { error: (error as Error).message });
            }
          }
        });
        call.on('end', () => callback(null, {}));
        call.on('error', () => undefined);
      },
    });
  }
}
