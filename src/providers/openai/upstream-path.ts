import type { ClientApi } from '../../api/client-request';
import type { RuntimeBackend } from '../../config/runtime';

const SUFFIX: Partial<Record<ClientApi, string>> = {
  'openai-chat': '/chat/completions',
  'openai-completions': '/completions',
  'openai-embeddings': '/embeddings',
  'openai-responses': '/responses',
};

/**
 * The upstream path for an OpenAI-style call. OpenAI-compatible backends append the
 * endpoint to the baseUrl's path. Azure OpenAI has two forms
 * (https://learn.microsoft.com/azure/ai-foundry/openai/api-version-lifecycle): the v1 API
 * (`/openai/v1/...`, model in the body) and the dated API, where the deployment is in the
 * path and `api-version` in the query (the Responses API takes the deployment in the body).
 */
export function upstreamPath(backend: RuntimeBackend, api: ClientApi, model: string): string {
  const suffix = SUFFIX[api];
  if (suffix === undefined) throw new Error(`no OpenAI-style endpoint for ${api}`); // the registry never asks
  if (backend.kind !== 'azure-openai') return backend.pathPrefix + suffix;
  const version = backend.apiVersion;
  if (version === 'v1') return `${backend.pathPrefix}/openai/v1${suffix}`;
  const query = `?api-version=${encodeURIComponent(version)}`;
  if (api === 'openai-responses') return `${backend.pathPrefix}/openai${suffix}${query}`;
  return `${backend.pathPrefix}/openai/deployments/${encodeURIComponent(model)}${suffix}${query}`;
}
