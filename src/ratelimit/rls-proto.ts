import { loadPackageDefinition } from '@grpc/grpc-js';
import type { ServiceDefinition } from '@grpc/grpc-js';
import { fromJSON } from '@grpc/proto-loader';
import { Field, Root } from 'protobufjs';
import type { INamespace } from 'protobufjs';
import { LOADER_OPTIONS } from '../extproc/proto-paths';
import descriptorJson from '../generated/descriptors/ratelimit.json';

const DESCRIPTOR_TYPE = 'envoy.extensions.common.ratelimit.v3.RateLimitDescriptor';

/** One `key=value` entry of a descriptor, as Envoy sends it. */
export interface DescriptorEntry {
  key: string;
  value: string;
}

/** A descriptor of a ShouldRateLimit request (decoded with LOADER_OPTIONS: longs as strings). */
export interface RateLimitDescriptor {
  entries: DescriptorEntry[];
  /** Per-descriptor hits (Envoy ≥ 1.34 fills it from the rate limit's `hits_addend`); null when unset. */
  hits_addend: { value: string } | null;
}

/** The ShouldRateLimit request. */
export interface RateLimitRequest {
  domain: string;
  descriptors: RateLimitDescriptor[];
  /** Request-level hits (0 means 1, per the proto). */
  hits_addend: number;
}

let cached: ServiceDefinition | undefined;

/**
 * The `envoy.service.ratelimit.v3.RateLimitService` definition. The pinned API protos predate
 * the per-descriptor `hits_addend` (field 3, a UInt64Value) that Envoy 1.36 sends for each
 * rate limit with its own `hits_addend`, and protobuf drops unknown fields; so the field is
 * added to the loaded descriptor type before the service is built. Its number and type were
 * read from Envoy's wire output (see docs/rate-limits.md).
 */
export function rateLimitService(): ServiceDefinition {
  if (cached) return cached;
  const root = Root.fromJSON(descriptorJson as INamespace);
  const descriptor = root.lookupType(DESCRIPTOR_TYPE);
  if (!descriptor.fields.hits_addend) descriptor.add(new Field('hits_addend', 3, 'google.protobuf.UInt64Value'));
  root.resolveAll();
  const definition = fromJSON(root.toJSON({ keepComments: false }), LOADER_OPTIONS);
  const grpcObject = loadPackageDefinition(definition) as unknown as {
    envoy: { service: { ratelimit: { v3: { RateLimitService: { service: ServiceDefinition } } } } };
  };
  cached = grpcObject.envoy.service.ratelimit.v3.RateLimitService.service;
  return cached;
}
