import type { RuntimeBackend } from '../../config/runtime';

/** The `anthropic_version` Bedrock's InvokeModel takes for Anthropic models (Bedrock's Claude Messages API reference). */
export const BEDROCK_ANTHROPIC_VERSION = 'bedrock-2023-05-31';

/** `/model/{modelId}/invoke`, or `/invoke-with-response-stream`; the id percent-encoded (`:` → `%3A`). */
export function invokePath(backend: RuntimeBackend, modelId: string, stream: boolean): string {
  return `${backend.pathPrefix}/model/${encodeURIComponent(modelId)}/${stream ? 'invoke-with-response-stream' : 'invoke'}`;
}

/**
 * An Anthropic Messages body as Bedrock's InvokeModel takes it: the model is in the path, the
 * streaming choice in the endpoint, and `anthropic_version` in the body instead of a header.
 */
export function toInvokeBody(body: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const copy: Record<string, unknown> = { anthropic_version: BEDROCK_ANTHROPIC_VERSION, ...body };
  delete copy.model;
  delete copy.stream;
  return copy;
}
