import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

/**
 * The protos are a build-time input: the server loads descriptors made by the build
 * (scripts/gen-descriptors.js), so the production install (and the image) leaves out
 * @grpc/grpc-js-xds and its copies of google-auth-library, gaxios and proto-loader.
 */
describe('production dependencies', () => {
  test('@grpc/grpc-js-xds is a dev dependency only', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    expect(Object.keys(pkg.dependencies)).not.toContain('@grpc/grpc-js-xds');
    expect(pkg.devDependencies['@grpc/grpc-js-xds']).toMatch(/^\d+\.\d+\.\d+$/);
  });

  test('the ext_proc, rate-limit and access-log services load with @grpc/grpc-js-xds out of reach', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aigw-deps-'));
    try {
      // Any resolution of the package fails, as it would in a production install.
      const hook = join(dir, 'no-xds.js');
      writeFileSync(
        hook,
        "const Module = require('node:module'); const resolve = Module._resolveFilename;\n" +
          "Module._resolveFilename = function (request, ...rest) { if (request.startsWith('@grpc/grpc-js-xds')) throw new Error('grpc-js-xds required at run time'); return resolve.call(this, request, ...rest); };\n",
      );
      const script = [
        `const ext = require(${JSON.stringify(join(ROOT, 'dist/src/extproc/proto.js'))}).externalProcessorService();`,
        `const rls = require(${JSON.stringify(join(ROOT, 'dist/src/ratelimit/rls-proto.js'))}).rateLimitService();`,
        `const als = require(${JSON.stringify(join(ROOT, 'dist/src/telemetry/access-log-service.js'))}).accessLogService();`,
        'console.log([ext.Process.path, rls.ShouldRateLimit.path, als.StreamAccessLogs.path].join("\\n"));',
      ].join('\n');
      const result = spawnSync(process.execPath, ['-r', hook, '-e', script], { encoding: 'utf8' });
      expect(result.stderr).toBe('');
      expect(result.stdout).toBe(
        '/envoy.service.ext_proc.v3.ExternalProcessor/Process\n/envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit\n/envoy.service.accesslog.v3.AccessLogService/StreamAccessLogs\n',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
