import type { ClientApi } from '../api/client-request';
import type { BackendConfig } from '../config/schema';

/**
 * Names from the OpenTelemetry GenAI semantic conventions
 * (https://opentelemetry.io/docs/specs/semconv/gen-ai/), in one place.
 */

/** `gen_ai.operation.name` for a client API. */
export function operationName(api: ClientApi | undefined): string {
  if (api === 'openai-embeddings') return 'embeddings';
  if (api === 'openai-completions') return 'text_completion';
  return api === undefined ? 'unknown' : 'chat';
}

/** `gen_ai.provider.name` for a backend kind. */
export function providerName(kind: BackendConfig['kind'] | undefined): string {
  switch (kind) {
    case 'openai':
      return 'openai';
    case 'azure-openai':
      return 'azure.ai.openai';
    case 'anthropic':
      return 'anthropic';
    case 'gemini':
      return 'gcp.gemini';
    case 'vertex':
      return 'gcp.vertex_ai';
    case 'bedrock':
      return 'aws.bedrock';
    default:
      return 'unknown';
  }
}

/** `error.type` for a status: the HTTP status code as text, or `_OTHER` when there was none. */
export function errorType(status: number): string | undefined {
  if (status >= 200 && status < 400) return undefined;
  return status > 0 ? String(status) : '_OTHER';
}

/** The first `"model":"…"` of a response body or stream: the model that answered (all three client formats carry one). */
export function findResponseModel(text: string): string | undefined {
  return /"model"\s*:\s*"([^"\\]{1,128})"/.exec(text)?.[1];
}

/**
 * Response models come from providers, so their number is not ours to bound: each request
 * model keeps at most `limit` distinct response-model label values, later ones become "other".
 */
export class LabelBound {
  private readonly seen = new Map<string, Set<string>>();

  constructor(private readonly limit = 20) {}

  value(group: string, value: string): string {
    let values = this.seen.get(group);
    if (!values) this.seen.set(group, (values = new Set()));
    if (values.has(value)) return value;
    if (values.size >= this.limit) return 'other';
    values.add(value);
    return value;
  }
}
