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
  },
  transformIgnorePatterns: ['/node_modules/(?!(@marcbachmann/cel-js|jose)/)'],
  testTimeout: 30000,
  // e2e suites start real Envoy processes; run files one at a time (npm test uses --runInBand).
  verbose: false,
};
