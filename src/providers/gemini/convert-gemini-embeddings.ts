import { isRecord } from '../anthropic/json-guards';
import { count } from '../usage';
import type { TokenUsage } from '../usage';

/** One OpenAI embedding; `embedding` is base64 when the client asked for it. */
export interface OpenAIEmbedding {
  object: 'embedding';
  index: number;
  embedding: number[] | string;
}

/** OpenAI's `CreateEmbeddingResponse`; `usage` only when Gemini counted tokens. */
export interface OpenAIEmbeddingList {
  object: 'list';
  data: OpenAIEmbedding[];
  model: string;
  usage?: { prompt_tokens: number; total_tokens: number };
}

/**
 * A vector as OpenAI's base64 form: the float32 values little-endian, base64-encoded (what the
 * OpenAI SDKs decode with `Float32Array` on the raw bytes).
 */
export function float32Base64(values: readonly number[]): string {
  const buffer = Buffer.alloc(values.length * 4);
  values.forEach((value, index) => buffer.writeFloatLE(value, index * 4));
  return buffer.toString('base64');
}

/**
 * Token counts, if Gemini sent any. The batchEmbedContents reference
 * (https://ai.google.dev/api/embeddings#response-body_1) documents only `embeddings`; a
 * `usageMetadata.promptTokenCount`, should one appear, is read, and otherwise the request
 * has no usage (counted as missing), never an estimate.
 */
function readEmbeddingUsage(response: Readonly<Record<string, unknown>>): TokenUsage | undefined {
  const metadata = response.usageMetadata;
  if (!isRecord(metadata) || typeof metadata.promptTokenCount !== 'number') return undefined;
  const inputTokens = count(metadata.promptTokenCount);
  return { inputTokens, outputTokens: 0, cachedInputTokens: 0, cacheCreationInputTokens: 0, reasoningTokens: 0, totalTokens: inputTokens };
}

/** What the conversion needs besides the body. */
export interface EmbeddingsResponseContext {
  readonly model: string;
  readonly encoding: 'float' | 'base64';
  readonly inputCount: number;
}

/**
 * A `BatchEmbedContentsResponse` (`{"embeddings":[{"values":[...]}]}`, in request order) as
 * OpenAI's embedding list. Undefined when the body is not such a response, or holds a
 * different number of embeddings than inputs were sent (the order would be a guess).
 */
export function convertGeminiEmbeddings(
  response: unknown,
  context: EmbeddingsResponseContext,
): { body: OpenAIEmbeddingList; usage: TokenUsage | undefined } | undefined {
  if (!isRecord(response) || !Array.isArray(response.embeddings) || response.embeddings.length !== context.inputCount) return undefined;
  const data: OpenAIEmbedding[] = [];
  for (const [index, embedding] of response.embeddings.entries()) {
    const values: unknown = isRecord(embedding) ? embedding.values : undefined;
    if (!Array.isArray(values) || !values.every((value): value is number => typeof value === 'number')) return undefined;
    data.push({ object: 'embedding', index, embedding: context.encoding === 'base64' ? float32Base64(values) : values });
  }
  const usage = readEmbeddingUsage(response);
  const body: OpenAIEmbeddingList = {
    object: 'list',
    data,
    model: context.model,
    ...(usage ? { usage: { prompt_tokens: usage.inputTokens, total_tokens: usage.totalTokens } } : {}),
  };
  return { body, usage };
}
