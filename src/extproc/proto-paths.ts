import { dirname, join } from 'node:path';

/** The Envoy API protos we load, from the pinned @grpc/grpc-js-xds package (see proto/README.md). */
export const PROTO_FILES = ['envoy/service/ext_proc/v3/external_processor.proto'];

/** Include directories inside @grpc/grpc-js-xds/deps. */
export function protoIncludeDirs(): string[] {
  const root = join(dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
  return ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((dir) => join(root, dir));
}

/** proto-loader options; the generated types in src/generated assume exactly these. */
export const LOADER_OPTIONS = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
} as const;
