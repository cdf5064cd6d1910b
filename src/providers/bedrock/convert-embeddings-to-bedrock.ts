import { invalidRequest } from '../../errors';
import { embeddingTexts } from '../embeddings-input';
import { isRecord, isSet } from '../anthropic/json-guards';
import { float32Base64 } from '../gemini/convert-gemini-embeddings';
import type { OpenAIEmbedding, OpenAIEmbeddingList } from '../gemini/convert-gemini-embeddings';
import { count } from '../usage';
import type { TokenUsage } from '../usage';

/** The Bedrock embedding model families, by the InvokeModel body they take. */
export type EmbeddingFamily = 'titan-v1' | 'titan-v2' | 'cohere-v3' | 'cohere-v4';

/** The family of an upstream model id (inference-profile prefixes such as `us.` allowed), or undefined. */
export function embeddingFamily(modelId: string): EmbeddingFamily | undefined {
  if (/amazon\.titan-embed-text-v1/.test(modelId)) return 'titan-v1';
  if (/amazon\.titan-embed-text-v2/.test(modelId)) return 'titan-v2';
  if (/cohere\.embed-v4/.test(modelId)) return 'cohere-v4';
  if (/cohere\.embed-(english|multilingual)-v3/.test(modelId)) return 'cohere-v3';
  return undefined;
}

/** Options this translation reads; `user` and the like are dropped with a warning. */
const TRANSLATED = new Set(['model', 'input', 'dimensions', 'encoding_format', 'input_type']);
const TITAN_V2_DIMENSIONS = new Set([256, 512, 1024]);
const COHERE_V4_DIMENSIONS = new Set([256, 512, 1024, 1536]);

/** An InvokeModel body for the family, and what the answer must be turned into. */
export interface ConvertedBedrockEmbeddings {
  body: Record<string, unknown>;
  encoding: 'float' | 'base64';
  inputCount: number;
  warnings: string[];
}

/**
 * OpenAI embeddings → the model's own InvokeModel body (Bedrock model parameter references):
 * Titan Text Embeddings `{inputText, dimensions?, normalize}` (one text per call: several are a
 * 400, never a silent first-only), Cohere Embed v3 `{texts, input_type}` and v4 `{texts,
 * input_type, embedding_types: ["float"], output_dimension?}`. Cohere needs an input_type:
 * the client's extra `input_type` field, else `search_document`. A `dimensions` the model
 * cannot honour is a 400 (a different size would change the answer).
 */
export function convertEmbeddingsToBedrock(body: Readonly<Record<string, unknown>>, family: EmbeddingFamily): ConvertedBedrockEmbeddings {
  const texts = embeddingTexts(body.input, 'bedrock');
  const encoding = !isSet(body.encoding_format) || body.encoding_format === 'float' ? 'float' : body.encoding_format === 'base64' ? 'base64' : undefined;
  if (!encoding) throw invalidRequest("encoding_format must be 'float' or 'base64'.", 'encoding_format', 'unsupported_value');
  const warnings = Object.keys(body)
    .filter((key) => !TRANSLATED.has(key) && isSet(body[key]))
    .map((key) => `dropped ${key}: bedrock embedding models do not take it`);
  const dimensions = body.dimensions;
  const refuseDimensions = (allowed: string): never => {
    throw invalidRequest(`dimensions: ${String(dimensions)} is not available for this bedrock model (${allowed}).`, 'dimensions', 'unsupported_value');
  };
  if (family === 'titan-v1' || family === 'titan-v2') {
    if (texts.length > 1) {
      throw invalidRequest(`input: Amazon Titan embeds one text per request; send ${texts.length} requests, or use a Cohere model for batches.`, 'input', 'unsupported_value');
    }
    if (isSet(dimensions) && (family === 'titan-v1' || !TITAN_V2_DIMENSIONS.has(dimensions as number))) refuseDimensions(family === 'titan-v1' ? 'Titan v1 has 1536 only' : '256, 512 or 1024');
    const out: Record<string, unknown> = { inputText: texts[0] };
    if (family === 'titan-v2') Object.assign(out, isSet(dimensions) ? { dimensions } : {}, { normalize: true });
    return { body: out, encoding, inputCount: 1, warnings };
  }
  const inputType = typeof body.input_type === 'string' ? body.input_type : 'search_document';
  if (family === 'cohere-v3') {
    if (isSet(dimensions)) refuseDimensions('Cohere Embed v3 has a fixed size');
    return { body: { texts, input_type: inputType }, encoding, inputCount: texts.length, warnings };
  }
  if (isSet(dimensions) && !COHERE_V4_DIMENSIONS.has(dimensions as number)) refuseDimensions('256, 512, 1024 or 1536');
  return { body: { texts, input_type: inputType, embedding_types: ['float'], ...(isSet(dimensions) ? { output_dimension: dimensions } : {}) }, encoding, inputCount: texts.length, warnings };
}

function vectors(response: Record<string, unknown>, family: EmbeddingFamily): unknown[] | undefined {
  if (family === 'titan-v1' || family === 'titan-v2') return Array.isArray(response.embedding) ? [response.embedding] : undefined;
  const embeddings = response.embeddings;
  // v3 answers `embeddings: [[...]]` (response_type embeddings_floats); v4 `embeddings: {float: [[...]]}`.
  if (Array.isArray(embeddings)) return embeddings;
  return isRecord(embeddings) && Array.isArray(embeddings.float) ? embeddings.float : undefined;
}

/**
 * The model's answer as OpenAI's embedding list; undefined when it is not one (or holds a
 * different number of vectors than texts were sent). Titan reports `inputTextTokenCount`;
 * Cohere's body has no token counts: they come from the response header, if at all.
 */
export function convertBedrockEmbeddings(
  response: unknown,
  context: { model: string; encoding: 'float' | 'base64'; inputCount: number; family: EmbeddingFamily },
  /** Input tokens from the `x-amzn-bedrock-input-token-count` response header, when sent. */
  headerTokens?: number,
): { body: OpenAIEmbeddingList; usage: TokenUsage | undefined } | undefined {
  if (!isRecord(response)) return undefined;
  const found = vectors(response, context.family);
  if (!found || found.length !== context.inputCount || !found.every((vector) => Array.isArray(vector) && vector.every((value) => typeof value === 'number'))) return undefined;
  const data: OpenAIEmbedding[] = (found as number[][]).map((vector, index) => ({
    object: 'embedding',
    index,
    embedding: context.encoding === 'base64' ? float32Base64(vector) : vector,
  }));
  const tokens = typeof response.inputTextTokenCount === 'number' ? count(response.inputTextTokenCount) : headerTokens;
  const body: OpenAIEmbeddingList = { object: 'list', data, model: context.model, ...(tokens !== undefined ? { usage: { prompt_tokens: tokens, total_tokens: tokens } } : {}) };
  const usage = tokens === undefined ? undefined : { inputTokens: tokens, outputTokens: 0, cachedInputTokens: 0, cacheCreationInputTokens: 0, reasoningTokens: 0, totalTokens: tokens };
  return { body, usage };
}
