import { METADATA_NAMESPACE } from '../extproc/stream-processor';
import type { DescriptorPath, Metric } from '../ratelimit/descriptor-tree';
import { SETTLE_KEY } from '../ratelimit/rate-limit-service';
import { RESERVATION_KEY } from '../ratelimit/reservation-record';
import type { Json } from './render-envoy-clusters';
import { EXTPROC_CLUSTER, typed } from './render-envoy-clusters';
import type { RuntimeConfig } from './runtime';

/** Where Envoy's ratelimit filter keeps the rate-limit service's response metadata. */
const RATELIMIT_NAMESPACE = 'envoy.filters.http.ratelimit';

/** The io.aigw metadata holding each metric's reservation (set by aigw at admission). */
const RESERVED: Partial<Record<Metric, Json>> = {
  requests: { number: 1 },
  tokens: { format: `%DYNAMIC_METADATA(${METADATA_NAMESPACE}:reserve_tokens)%` },
  usd: { format: `%DYNAMIC_METADATA(${METADATA_NAMESPACE}:reserve_usd_micros)%` },
};

/** The io.aigw metadata holding what the request really used (set by aigw when it ends). */
const USED: Partial<Record<Metric, string>> = { tokens: 'used_tokens', usd: 'used_usd_micros' };

function fromMetadata(descriptorKey: string, namespace: string, key: string): Json {
  // Without skip_if_absent, a missing value drops the whole descriptor (e.g. no user on the
  // key, or no reservation to settle), never a shorter descriptor that would count elsewhere.
  return { metadata: { descriptor_key: descriptorKey, metadata_key: { key: namespace, path: [{ key }] }, source: 'DYNAMIC' } };
}

/**
 * Two rate limits per descriptor shape: at admission, hits = the reservation; when the stream
 * is done, the same descriptor plus the reservation record (`settle`), hits = what was used.
 * Requests are counted once and never settled.
 */
function rateLimitsFor(path: DescriptorPath): Json[] {
  const actions: Json[] = [
    { generic_key: { descriptor_key: 'metric', descriptor_value: path.metric } },
    ...path.keys.map((key) => fromMetadata(key, METADATA_NAMESPACE, key)),
  ];
  // A cost formula reserves its value for the reservation, and settles at its value for the usage.
  const admission = { actions, hits_addend: RESERVED[path.metric] ?? { format: `%DYNAMIC_METADATA(${METADATA_NAMESPACE}:reserve_cost_${path.metric})%` } };
  const used = USED[path.metric] ?? (path.metric === 'requests' ? undefined : `cost_${path.metric}`);
  if (!used) return [admission];
  const settle = {
    actions: [...actions, fromMetadata(SETTLE_KEY, RATELIMIT_NAMESPACE, RESERVATION_KEY)],
    apply_on_stream_done: true,
    hits_addend: { format: `%DYNAMIC_METADATA(${METADATA_NAMESPACE}:${used})%` },
  };
  return [admission, settle];
}

/**
 * Envoy's ratelimit filter, after the router-level ext_proc (which sets the identity and
 * reservation metadata) and before the router; undefined when no limits are configured.
 * aigw's gRPC server answers both ext_proc and the rate-limit service.
 */
export function rateLimitFilter(config: RuntimeConfig): Json | undefined {
  const limits = config.rateLimits;
  if (!limits || limits.paths.length === 0) return undefined;
  return {
    name: 'envoy.filters.http.ratelimit',
    typed_config: typed('envoy.extensions.filters.http.ratelimit.v3.RateLimit', {
      domain: limits.domain,
      timeout: `${limits.envoyTimeoutMs / 1000}s`,
      // Envoy's own fallback when aigw does not answer in time; aigw applies the same mode
      // when its store does not.
      failure_mode_deny: limits.failureMode === 'closed',
      enable_x_ratelimit_headers: 'DRAFT_VERSION_03',
      rate_limits: limits.paths.flatMap(rateLimitsFor),
      rate_limit_service: { transport_api_version: 'V3', grpc_service: { envoy_grpc: { cluster_name: EXTPROC_CLUSTER } } },
    }),
  };
}
