import { invalidRequest } from '../../errors';
import { embeddingTexts } from '../embeddings-input';
import { isSet } from '../anthropic/json-guards';

/** Gemini's embedding task types (https://ai.google.dev/api/embeddings#tasktype). */
const TASK_TYPES = new Set([
  'TASK_TYPE_UNSPECIFIED', 'RETRIEVAL_QUERY', 'RETRIEVAL_DOCUMENT', 'SEMANTIC_SIMILARITY', 'CLASSIFICATION', 'CLUSTERING',
  'QUESTION_ANSWERING', 'FACT_VERIFICATION', 'CODE_RETRIEVAL_QUERY',
]);

/** Request keys this translation reads; any other key set is dropped with a warning. */
const TRANSLATED = new Set(['model', 'input', 'dimensions', 'encoding_format', 'task_type']);

/** One `EmbedContentRequest` of a batch (https://ai.google.dev/api/embeddings#EmbedContentRequest). */
export interface GeminiEmbedContentRequest {
  model: string;
  content: { parts: Array<{ text: string }> };
  taskType?: string;
  outputDimensionality?: number;
}

/** A `batchEmbedContents` body, what the client asked the output to look like, and dropped options. */
export interface ConvertedEmbeddingsRequest {
  body: { requests: GeminiEmbedContentRequest[] };
  encoding: 'float' | 'base64';
  inputCount: number;
  warnings: string[];
}

function readEncoding(value: unknown): 'float' | 'base64' {
  if (!isSet(value) || value === 'float') return 'float';
  if (value === 'base64') return 'base64';
  throw invalidRequest("encoding_format must be 'float' or 'base64'.", 'encoding_format', 'unsupported_value');
}

/**
 * An OpenAI embeddings body (https://platform.openai.com/docs/api-reference/embeddings/create)
 * as a Gemini `batchEmbedContents` body (https://ai.google.dev/api/embeddings), one request
 * per input text, each naming `models/{model}` as the batch path does. `dimensions` becomes
 * `outputDimensionality`; `task_type`, not an OpenAI field, is read as Gemini's `taskType` so
 * clients can pass it as an extra body parameter. `user` and other options are dropped with a warning.
 */
export function convertEmbeddingsToGemini(body: Readonly<Record<string, unknown>>, model: string): ConvertedEmbeddingsRequest {
  const texts = embeddingTexts(body.input, 'gemini');
  const encoding = readEncoding(body.encoding_format);
  const dimensions = body.dimensions;
  if (isSet(dimensions) && (typeof dimensions !== 'number' || !Number.isInteger(dimensions) || dimensions < 1)) {
    throw invalidRequest('dimensions must be a positive integer.', 'dimensions');
  }
  const taskType = body.task_type;
  if (isSet(taskType) && (typeof taskType !== 'string' || !TASK_TYPES.has(taskType))) {
    throw invalidRequest(`task_type must be one of ${[...TASK_TYPES].join(', ')}.`, 'task_type', 'unsupported_value');
  }
  const requests = texts.map(
    (text): GeminiEmbedContentRequest => ({
      model: `models/${model}`,
      content: { parts: [{ text }] },
      ...(typeof taskType === 'string' ? { taskType } : {}),
      ...(typeof dimensions === 'number' ? { outputDimensionality: dimensions } : {}),
    }),
  );
  const warnings: string[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (!TRANSLATED.has(key) && isSet(value)) warnings.push(`dropped ${key}: not supported by gemini`);
  }
  return { body: { requests }, encoding, inputCount: texts.length, warnings };
}
