import type { PairCase } from './pair-case';

/** The OpenAI Responses API and embeddings. */
export const OTHER_CASES: PairCase[] = [
  {
    pair: 'OpenAI Responses → OpenAI',
    client: 'openai-responses',
    provider: 'openai',
    backend: 'openai',
    upstreamModel: 'gpt-5',
    request: { input: 'one two three', instructions: 'be brief' },
    upstream: (stream) => ({
      path: '/v1/responses',
      headers: { authorization: 'Bearer sk-openai-backend' },
      json: { model: 'gpt-5', input: 'one two three', instructions: 'be brief', ...(stream ? { stream: true } : {}) },
    }),
    expected: { text: 'Hello from openai', finish: 'completed', usage: { input: 8, output: 4, total: 12 } },
  },
  {
    pair: 'OpenAI Responses → Azure OpenAI (v1 API)',
    client: 'openai-responses',
    provider: 'azure',
    backend: 'azure-v1',
    upstreamModel: 'gpt-5-deployment',
    request: { input: 'one two three' },
    upstream: (stream) => ({
      path: '/openai/v1/responses',
      headers: { 'api-key': 'azure-backend-key', authorization: undefined },
      json: { model: 'gpt-5-deployment', input: 'one two three', ...(stream ? { stream: true } : {}) },
    }),
    expected: { text: 'Hello from azure', finish: 'completed', usage: { input: 6, output: 4, total: 10 } },
  },
  {
    pair: 'OpenAI embeddings → OpenAI',
    client: 'openai-embeddings',
    provider: 'openai',
    backend: 'openai',
    upstreamModel: 'text-embedding-3-small',
    modes: ['plain'],
    request: { input: ['first text', 'second text here'] },
    upstream: () => ({
      path: '/v1/embeddings',
      headers: { authorization: 'Bearer sk-openai-backend' },
      json: { model: 'text-embedding-3-small', input: ['first text', 'second text here'], encoding_format: 'base64' },
    }),
    expected: { embeddings: { count: 2, dimensions: 3 }, usage: { input: 5, total: 5 } },
    accessLog: { input_tokens: 5 },
  },
  {
    pair: 'OpenAI embeddings → Azure OpenAI (deployment path)',
    client: 'openai-embeddings',
    provider: 'azure',
    backend: 'azure',
    upstreamModel: 'embed-prod',
    modes: ['plain'],
    request: { input: 'just one' },
    upstream: () => ({
      path: '/openai/deployments/embed-prod/embeddings?api-version=2024-10-21',
      headers: { 'api-key': 'azure-backend-key' },
      json: { model: 'embed-prod', input: 'just one', encoding_format: 'base64' },
    }),
    expected: { embeddings: { count: 1, dimensions: 3 }, usage: { input: 2, total: 2 } },
    accessLog: { input_tokens: 2 },
  },
];
