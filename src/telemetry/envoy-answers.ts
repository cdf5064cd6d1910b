import { matchEndpoint } from '../api/client-request';
import type { RuntimeConfig } from '../config/runtime';
import type { EnvoyEnd } from './envoy-ends';
import { RequestTelemetry } from './request-telemetry';
import type { TelemetryServices } from './request-telemetry';

/** Why Envoy ended a request, in a word for metrics and audit: its flags, else its details. */
export function envoyReason(end: EnvoyEnd): string {
  return end.flags || end.details || 'envoy';
}

/**
 * Records a request Envoy answered before aigw saw it (a refusal route's 401, 404 or 413, a
 * request too malformed to route): the same request metric, GenAI metrics, span and audit
 * record as any other request, with Envoy's flags and details as the reason.
 */
export function recordEnvoyAnswer(services: TelemetryServices, config: RuntimeConfig, end: EnvoyEnd): void {
  const endpoint = matchEndpoint(end.method, end.path);
  const label = endpoint === undefined ? 'unknown' : endpoint.kind === 'list-models' ? 'models' : endpoint.api;
  services.metrics.requests.inc({ endpoint: label, model: 'unknown', status: String(end.status) });
  new RequestTelemetry(services, new Map()).end({ config, attempts: 0, status: end.status, reason: envoyReason(end), envoy: { flags: end.flags, details: end.details } });
}
