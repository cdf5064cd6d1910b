import { parseClientRequest } from '../../api/client-request';
import type { ClientApi, ClientRequest } from '../../api/client-request';
import { validateConfig } from '../../config/load';
import { compileConfig } from '../../config/runtime';
import type { RuntimeConfig, RuntimeModelBackend } from '../../config/runtime';

const AWS = { accessKeyId: { env: 'AK' }, secretAccessKey: { env: 'SK' } };
const GCP = { project: 'project-one', location: 'us-east5' };

/** One backend of every kind (and of each model family where the kind serves several). */
export const BACKENDS = [
  { name: 'local', kind: 'openai', baseUrl: 'http://127.0.0.1:9/v1' },
  { name: 'openai', kind: 'openai', baseUrl: 'https://api.openai.com/v1' },
  { name: 'openai-eu', kind: 'openai', baseUrl: 'https://eu.api.openai.com/v1' },
  { name: 'groq', kind: 'openai', preset: 'groq' },
  { name: 'azure', kind: 'azure-openai', baseUrl: 'https://r.openai.azure.com', apiVersion: '2024-10-21' },
  { name: 'azure-old', kind: 'azure-openai', baseUrl: 'https://r.openai.azure.com', apiVersion: '2024-06-01' },
  { name: 'azure-v1', kind: 'azure-openai', baseUrl: 'https://r.openai.azure.com', apiVersion: 'v1' },
  { name: 'anthropic', kind: 'anthropic', baseUrl: 'https://api.anthropic.com' },
  { name: 'gemini', kind: 'gemini', baseUrl: 'https://generativelanguage.googleapis.com/v1beta' },
  { name: 'bedrock-claude', kind: 'bedrock', baseUrl: 'https://bedrock-runtime.us-east-1.amazonaws.com', aws: AWS, model: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0' },
  { name: 'bedrock-llama', kind: 'bedrock', baseUrl: 'https://bedrock-runtime.us-east-1.amazonaws.com', aws: AWS, model: 'meta.llama3-70b-instruct-v1:0' },
  { name: 'bedrock-invoke', kind: 'bedrock', api: 'invoke', baseUrl: 'https://bedrock-runtime.us-east-1.amazonaws.com', aws: AWS, model: 'anthropic.claude-sonnet-4-5-20250929-v1:0' },
  { name: 'vertex-claude', kind: 'vertex', gcp: GCP, model: 'claude-sonnet-4-5@20250929' },
  { name: 'vertex-gemini', kind: 'vertex', gcp: GCP, model: 'gemini-2.5-pro' },
] as const;

/** A backend's name in BACKENDS. */
export type BackendName = (typeof BACKENDS)[number]['name'];

/** A config with a model `on-<backend>` per backend and `everywhere` on all of them, plus `rateLimits` when given. */
export function configWith(rateLimits?: Record<string, unknown>): RuntimeConfig {
  const names = BACKENDS.map((backend) => backend.name);
  return compileConfig(
    validateConfig({
      backends: BACKENDS,
      models: [...names.map((name) => ({ name: `on-${name}`, backends: [{ backend: name }] })), { name: 'everywhere', backends: names.map((backend) => ({ backend })) }],
      ...(rateLimits ? { rateLimits } : {}),
    }),
    {},
  );
}

const config = configWith();

/** The model entries of these backends. */
export function entries(...names: BackendName[]): RuntimeModelBackend[] {
  return names.map((name) => {
    const entry = config.models.get(`on-${name}`)?.backends[0];
    if (!entry) throw new Error(`no backend ${name}`);
    return entry;
  });
}

/** A parsed client request (model `m` unless the body names one). */
export function clientRequest(api: ClientApi, body: Record<string, unknown>): ClientRequest {
  return parseClientRequest(api, Buffer.from(JSON.stringify({ model: 'm', ...body })));
}
