import { loadPackageDefinition } from '@grpc/grpc-js';
import type { ServiceDefinition } from '@grpc/grpc-js';
import { fromJSON } from '@grpc/proto-loader';
import type { INamespace } from 'protobufjs';
import type { ProtoGrpcType } from '../generated/external_processor';
import descriptor from '../generated/descriptors/ext-proc.json';
import { LOADER_OPTIONS } from './proto-paths';

let cached: ServiceDefinition | undefined;

/** The `envoy.service.ext_proc.v3.ExternalProcessor` service definition, from the descriptor made at build (scripts/gen-descriptors.js), loaded once. */
export function externalProcessorService(): ServiceDefinition {
  if (!cached) {
    const definition = fromJSON(descriptor as INamespace, LOADER_OPTIONS);
    const grpcObject = loadPackageDefinition(definition) as unknown as ProtoGrpcType;
    cached = grpcObject.envoy.service.ext_proc.v3.ExternalProcessor.service;
  }
  return cached;
}
