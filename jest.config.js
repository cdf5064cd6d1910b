/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test', '<rootDir>/e2e'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { isolatedModules: true, tsconfig: 'tsconfig.json' }],
    // @marcbachmann/cel-js and jose ship ES modules only: Node 20.19+ requires them natively, Jest's
    // module system needs them compiled to CommonJS first.
    '^.+/node_modules/(@marcbachmann/cel-js|jose)/.+\\.js$': ['ts-jest', { isolatedModules: true, tsconfig: { allowJs: true, module: 'commonjs', target: 'es2022' } }],
    // The official OTLP HTTP exporters load node's http/https with import(), which Jest's
    // CommonJS runtime cannot do without --experimental-vm-modules (and that flag makes it
    // refuse the ES-module packages above): tests load those two modules with require().
    '^.+/node_modules/@opentelemetry/otlp-exporter-base/.+\\.js$': '<rootDir>/test/jest-require-node-imports.js',
  },
  transformIgnorePatterns: ['/node_modules/(?!(@marcbachmann/cel-js|jose|@opentelemetry/otlp-exporter-base)/)'],
  testTimeout: 30000,
  // e2e suites start real Envoy processes; run files one at a time (npm test uses --runInBand).
  verbose: false,
};
