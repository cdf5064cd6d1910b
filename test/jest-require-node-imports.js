/**
 * Jest transform for @opentelemetry/otlp-exporter-base (see jest.config.js): `import('http')`
 * and `import('https')` become `require()` wrapped in a promise, which is what Node itself does
 * for a built-in module. Only the tests load the exporters this way; the product is unchanged.
 */
module.exports = {
  process(source) {
    return { code: source.replace(/\bimport\((['"])(https?)\1\)/g, 'Promise.resolve().then(() => require($1$2$1))') };
  },
  getCacheKey(source) {
    return require('node:crypto').createHash('sha256').update('jest-require-node-imports-1').update(source).digest('hex');
  },
};
