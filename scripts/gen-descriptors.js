#!/usr/bin/env node
// Build step (`npm run build` runs it before tsc): Envoy's API protos, from the pinned
// @grpc/grpc-js-xds dev dependency, resolved into protobufjs JSON descriptors in
// src/generated/descriptors/ (git-ignored; tsc copies them into dist). The server loads
// those, so neither the production install nor the image carries the proto package.
const { mkdirSync, writeFileSync, existsSync } = require('node:fs');
const { dirname, join } = require('node:path');
const protobuf = require('protobufjs');
const { Root } = protobuf;

// The well-known types the annotations import (descriptor.proto and friends) come with
// protobufjs, as @grpc/proto-loader registers them.
for (const name of ['api', 'descriptor', 'source_context', 'type']) {
  protobuf.common(name, require(`protobufjs/google/protobuf/${name}.json`).nested.google.nested.protobuf.nested);
}

const SERVICES = {
  'ext-proc': 'envoy/service/ext_proc/v3/external_processor.proto',
  ratelimit: 'envoy/service/ratelimit/v3/rls.proto',
  accesslog: 'envoy/service/accesslog/v3/als.proto',
};

const deps = join(dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
const includeDirs = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((dir) => join(deps, dir));
const out = join(__dirname, '..', 'src', 'generated', 'descriptors');
mkdirSync(out, { recursive: true });
for (const [name, file] of Object.entries(SERVICES)) {
  const root = new Root();
  root.resolvePath = (origin, target) => includeDirs.map((dir) => join(dir, target)).find((path) => existsSync(path)) ?? target;
  root.loadSync(file, { keepCase: true });
  root.resolveAll();
  writeFileSync(join(out, `${name}.json`), `${JSON.stringify(root.toJSON({ keepComments: false }))}\n`);
}
