import { loadPackageDefinition } from '@grpc/grpc-js';
import type { ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import type { ProtoGrpcType } from '../generated/external_processor';
import { LOADER_OPTIONS, PROTO_FILES, protoIncludeDirs } from './proto-paths';

let cached: ServiceDefinition | undefined;

/** The `envoy.service.ext_proc.v3.ExternalProcessor` service definition, loaded once. */
export function externalProcessorService(): ServiceDefinition {
  if (!cached) {
    const definition = loadSync(PROTO_FILES, { ...LOADER_OPTIONS, includeDirs: protoIncludeDirs() });
    const grpcObject = loadPackageDefinition(definition) as unknown as ProtoGrpcType;
    cached = grpcObject.envoy.service.ext_proc.v3.ExternalProcessor.service;
  }
  return cached;
}
