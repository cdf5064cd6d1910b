import { METADATA_NAMESPACE } from '../extproc/stream-processor';
import type { DescriptorPath, Metric } from '../ratelimit/descriptor-tree';
import { REQUEST_KEY } from '../ratelimit/rate-limit-service';
import type { Json } from './render-envoy-clusters';
import { EXTPROC_CLUSTER, typed } from './render-envoy-clusters';
import type { RuntimeConfig } from './runtime';

/** The io.aigw metadata holding each metric's reservation (set by aigw at admission). */
const RESERVED: Partial<Record<Metric, Json>> = {
  requests: { number: 1 },
  tokens: { format: `%DYNAMIC_METADATA(${METADATA_NAMESPACE}:reserve_tokens)%` },
  usd: { format: `%DYNAMIC_METADATA(${METADATA_NAMESPACE}:reserve_usd_micros)%` },
};

function fromMetadata(descriptorKey: string, key: string): Json {
  // Without skip_if_absent, a missing value drops the whole descriptor (e.g. no user on the
  // key), never a shorter descriptor that would count elsewhere.
  return { metadata: { descriptor_key: descriptorKey, metadata_key: { key: METADATA_NAMESPACE, path: [{ key }] }, source: 'DYNAMIC' } };
}

/**
 * One rate limit per descriptor shape, asked once at admission with hits = the reservation.
 * There is no second call at stream end: aigw settles in process when the response ends.
 */
function rateLimitFor(path: DescriptorPath): Json {
  const actions: Json[] = [
    { generic_key: { descriptor_key: 'metric', descriptor_value: path.metric } },
    ...path.keys.map((key) => fromMetadata(key, key)),
  ];
  // A cost formula reserves its value for the reservation.
  return { actions, hits_addend: RESERVED[path.metric] ?? { format: `%DYNAMIC_METADATA(${METADATA_NAMESPACE}:reserve_cost_${path.metric})%` } };
}

/**
 * The request's id (`io.aigw` request_id) as a descriptor of its own, so the rate-limit
 * service keeps the reservation under it for the request's ext_proc processor to settle.
 * The service never counts it.
 */
const REQUEST_ID: Json = { actions: [fromMetadata(REQUEST_KEY, 'request_id')] };

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
      rate_limits: [...limits.paths.map(rateLimitFor), REQUEST_ID],
      rate_limit_service: { transport_api_version: 'V3', grpc_service: { envoy_grpc: { cluster_name: EXTPROC_CLUSTER } } },
    }),
  };
}
