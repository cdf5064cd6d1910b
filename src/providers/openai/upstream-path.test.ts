import { validateConfig } from '../../config/load';
import { compileConfig } from '../../config/runtime';
import type { RuntimeBackend } from '../../config/runtime';
import { upstreamPath } from './upstream-path';

const config = compileConfig(
  validateConfig({
    backends: [
      { name: 'openai', kind: 'openai', baseUrl: 'https://api.openai.com/v1' },
      { name: 'azure-dated', kind: 'azure-openai', baseUrl: 'https://res.openai.azure.com' },
      { name: 'azure-preview', kind: 'azure-openai', baseUrl: 'https://res.openai.azure.com/gw', apiVersion: '2025-04-01-preview' },
      { name: 'azure-v1', kind: 'azure-openai', baseUrl: 'https://res.openai.azure.com', apiVersion: 'v1', credential: { env: 'K' } },
    ],
    models: [{ name: 'm', backends: [{ backend: 'openai' }] }],
  }),
  { K: 'azure-key' },
);
const backend = (name: string): RuntimeBackend => config.backends.get(name) as RuntimeBackend;

describe('upstreamPath', () => {
  test.each([
    ['openai', 'openai-chat', '/v1/chat/completions'],
    ['openai', 'openai-embeddings', '/v1/embeddings'],
    ['openai', 'openai-responses', '/v1/responses'],
    ['azure-dated', 'openai-chat', '/openai/deployments/gpt%2F4o%20mini/chat/completions?api-version=2024-10-21'],
    ['azure-dated', 'openai-embeddings', '/openai/deployments/gpt%2F4o%20mini/embeddings?api-version=2024-10-21'],
    ['azure-preview', 'openai-responses', '/gw/openai/responses?api-version=2025-04-01-preview'],
    ['azure-v1', 'openai-chat', '/openai/v1/chat/completions'],
    ['azure-v1', 'openai-responses', '/openai/v1/responses'],
  ] as const)('%s %s → %s', (name, api, path) => {
    expect(upstreamPath(backend(name), api, 'gpt/4o mini')).toBe(path);
  });

  test('Azure keys go in api-key by default', () => {
    expect(backend('azure-v1').credential?.header).toBe('api-key');
    expect(backend('azure-v1').credential?.prefix).toBe('');
  });

  test('an api-version must be v1 or a date', () => {
    expect(() =>
      validateConfig({
        backends: [{ name: 'a', kind: 'azure-openai', baseUrl: 'https://x', apiVersion: 'latest' }],
        models: [{ name: 'm', backends: [{ backend: 'a' }] }],
      }),
    ).toThrow('backends[0].apiVersion: must be v1 or a date like 2024-10-21');
  });
});
