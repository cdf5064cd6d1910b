#!/usr/bin/env node
// Regenerates src/generated/ (TypeScript types for the Envoy protos we serve) from the
// protos shipped in @grpc/grpc-js-xds. Run after bumping that package: npm run gen-types
const { execFileSync } = require('node:child_process');
const { readdirSync, readFileSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { protoIncludeDirs, PROTO_FILES } = require('../dist/src/extproc/proto-paths.js');

const out = join(__dirname, '..', 'src', 'generated');
rmSync(out, { recursive: true, force: true });
const bin = join(__dirname, '..', 'node_modules', '.bin', 'proto-loader-gen-types');
execFileSync(
  bin,
  ['--keepCase', '--longs', 'String', '--enums', 'String', '--defaults', '--oneofs', '--grpcLib', '@grpc/grpc-js',
   ...protoIncludeDirs().flatMap((dir) => ['--includeDirs', dir]), '-O', out, ...PROTO_FILES],
  { stdio: 'inherit' },
);

// Keep machine-specific absolute paths out of the committed files.
const root = join(__dirname, '..') + '/';
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else writeFileSync(path, readFileSync(path, 'utf8').split(root).join(''));
  }
}
walk(out);
