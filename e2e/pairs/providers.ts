import { expectedSignature, parseAuthorization } from '../../src/providers/bedrock/__fixtures__/sigv4-verifier';
import type { PairProvider } from './pair-case';

/** The AWS keys the bedrock backends sign with (the fake checks the signature against them). */
export const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

/**
 * Every provider behind the table's one stack, by fake-server name. Each backend points at
 * its provider's fake; the keys are the backends' own (never the client's).
 */
export const PROVIDERS: Record<string, PairProvider> = {
  openai: {
    env: { PAIR_OPENAI_KEY: 'sk-openai-backend' },
    backends: ({ url }) => [{ name: 'openai', kind: 'openai', baseUrl: `${url}/v1`, credential: { env: 'PAIR_OPENAI_KEY' } }],
  },
  azure: {
    env: { PAIR_AZURE_KEY: 'azure-backend-key' },
    backends: ({ url }) => [
      { name: 'azure', kind: 'azure-openai', baseUrl: url, apiVersion: '2024-10-21', credential: { env: 'PAIR_AZURE_KEY' } },
      { name: 'azure-v1', kind: 'azure-openai', baseUrl: url, apiVersion: 'v1', credential: { env: 'PAIR_AZURE_KEY' } },
    ],
  },
  anthropic: {
    env: { PAIR_ANTHROPIC_KEY: 'sk-ant-backend' },
    backends: ({ url }) => [{ name: 'anthropic', kind: 'anthropic', baseUrl: url, credential: { env: 'PAIR_ANTHROPIC_KEY' } }],
  },
  gemini: {
    env: { PAIR_GEMINI_KEY: 'AIza-backend-key' },
    backends: ({ url }) => [{ name: 'gemini', kind: 'gemini', baseUrl: url, credential: { env: 'PAIR_GEMINI_KEY' } }],
  },
  groq: {
    // A preset names the provider, not its URL: the fake stands in for api.groq.com at a local
    // address, with a certificate for that name from a test CA.
    tlsNames: ['api.groq.com'],
    env: { PAIR_GROQ_KEY: 'gsk-groq-backend' },
    backends: ({ port, caFile }) => [
      { name: 'groq', kind: 'openai', preset: 'groq', address: `127.0.0.1:${port}`, tls: { caFile }, credential: { env: 'PAIR_GROQ_KEY' } },
    ],
    verify(received) {
      expect(received.servername).toBe('api.groq.com');
    },
  },
  vertex: {
    // A fixed bearer token (credential) instead of OAuth from a service account, which
    // e2e/vertex.test.ts covers with a token endpoint.
    env: { PAIR_VERTEX_TOKEN: 'ya29.pair-token' },
    backends: ({ url }) => [{ name: 'vertex', kind: 'vertex', baseUrl: url, gcp: { project: 'pair-project', location: 'us-east5' }, credential: { env: 'PAIR_VERTEX_TOKEN' } }],
  },
  bedrock: {
    env: { PAIR_AWS_KEY_ID: 'AKIDPAIRS', PAIR_AWS_SECRET: AWS_SECRET },
    backends: ({ url }) => [
      {
        name: 'bedrock',
        kind: 'bedrock',
        baseUrl: url,
        aws: { region: 'us-west-2', accessKeyId: { env: 'PAIR_AWS_KEY_ID' }, secretAccessKey: { env: 'PAIR_AWS_SECRET' } },
      },
      {
        name: 'bedrock-invoke',
        kind: 'bedrock',
        api: 'invoke',
        baseUrl: url,
        aws: { region: 'us-west-2', accessKeyId: { env: 'PAIR_AWS_KEY_ID' }, secretAccessKey: { env: 'PAIR_AWS_SECRET' } },
      },
    ],
    verify(received) {
      const claimed = parseAuthorization(received.headers.authorization);
      expect(claimed).toMatchObject({ accessKeyId: 'AKIDPAIRS', region: 'us-west-2', service: 'bedrock' });
      expect(claimed?.signature).toBe(expectedSignature(received, AWS_SECRET));
    },
  },
};
