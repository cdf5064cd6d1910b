import type { ClientRequest } from '../../api/client-request';
import { embeddingTexts } from '../embeddings-input';
import { invalidRequest } from '../../errors';
import { isRecord, isSet, parseJson } from '../anthropic/json-guards';
import { convertGeminiError, readGeminiError, toOpenAIErrorFromGemini } from '../gemini/convert-gemini-error';
import { float32Base64 } from '../gemini/convert-gemini-embeddings';
import type { OpenAIEmbeddingList } from '../gemini/convert-gemini-embeddings';
import type { AttemptTarget, Translator, UpstreamRequest } from '../translator';
import { count } from '../usage';
import type { TokenUsage } from '../usage';
import { bearer, vertexPath } from './on-vertex';

/** Options this translation reads; others are dropped with a warning. */
const TRANSLATED = new Set(['model', 'input', 'dimensions', 'encoding_format', 'task_type']);

/**
 * OpenAI embeddings client → Vertex AI text embeddings (`text-embedding-005`,
 * `gemini-embedding-001`, `text-multilingual-embedding-002`) through `:predict` at the Google
 * publisher path: `{instances: [{content, task_type?}], parameters: {outputDimensionality?}}`
 * → `predictions[].embeddings.values`, with `statistics.token_count` summed for usage
 * (Vertex text embeddings API reference). Base64 is made by the gateway when asked.
 */
export class OpenAIEmbeddingsToVertex implements Translator {
  readonly warnings: string[] = [];
  failedResponse = false;
  private readonly chunks: Buffer[] = [];
  private encoding: 'float' | 'base64' = 'float';
  private inputCount = 0;
  private lastUsage: TokenUsage | undefined;

  constructor(
    private readonly request: ClientRequest,
    private readonly target: AttemptTarget,
  ) {}

  async requestBody(): Promise<UpstreamRequest> {
    const { backend, upstreamModel } = this.target;
    const body = this.request.body;
    const texts = embeddingTexts(body.input, 'vertex');
    if (isSet(body.encoding_format) && body.encoding_format !== 'float' && body.encoding_format !== 'base64') {
      throw invalidRequest("encoding_format must be 'float' or 'base64'.", 'encoding_format', 'unsupported_value');
    }
    this.encoding = body.encoding_format === 'base64' ? 'base64' : 'float';
    this.inputCount = texts.length;
    this.warnings.splice(0, this.warnings.length, ...Object.keys(body).filter((key) => !TRANSLATED.has(key) && isSet(body[key])).map((key) => `dropped ${key}: vertex embeddings do not take it`));
    const taskType = typeof body.task_type === 'string' ? { task_type: body.task_type } : {};
    const upstream = {
      instances: texts.map((content) => ({ content, ...taskType })),
      ...(typeof body.dimensions === 'number' ? { parameters: { outputDimensionality: body.dimensions } } : {}),
    };
    const path = vertexPath(backend, 'google', upstreamModel ?? this.request.model, 'predict');
    return { path, headers: { 'content-type': 'application/json', authorization: `Bearer ${await bearer(backend)}` }, body: Buffer.from(JSON.stringify(upstream)) };
  }

  responseBody(chunk: Buffer, endOfStream: boolean): Buffer {
    this.chunks.push(chunk);
    if (!endOfStream) return Buffer.alloc(0);
    const parsed = parseJson(Buffer.concat(this.chunks).toString('utf8'));
    const predictions = isRecord(parsed) && Array.isArray(parsed.predictions) ? parsed.predictions : undefined;
    const vectors = predictions?.map((prediction: unknown) => (isRecord(prediction) && isRecord(prediction.embeddings) ? prediction.embeddings : undefined));
    if (!vectors || vectors.length !== this.inputCount || !vectors.every((vector) => vector && Array.isArray(vector.values))) {
      this.failedResponse = true;
      const error = readGeminiError(parsed) ?? { code: 500, message: 'upstream returned a body that is not a Vertex embeddings response', status: 'INTERNAL' };
      return Buffer.from(JSON.stringify(toOpenAIErrorFromGemini(error, error.code ?? 500)));
    }
    let tokens = 0;
    const data = vectors.map((vector, index) => {
      const values = (vector?.values ?? []) as number[];
      const statistics = vector?.statistics;
      if (isRecord(statistics)) tokens += count(statistics.token_count);
      return { object: 'embedding' as const, index, embedding: this.encoding === 'base64' ? float32Base64(values) : values };
    });
    const list: OpenAIEmbeddingList = { object: 'list', data, model: this.request.model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
    this.lastUsage = { inputTokens: tokens, outputTokens: 0, cachedInputTokens: 0, cacheCreationInputTokens: 0, reasoningTokens: 0, totalTokens: tokens };
    return Buffer.from(JSON.stringify(list));
  }

  responseError(status: number, body: Buffer): Buffer {
    return convertGeminiError(status, body);
  }

  usage(): TokenUsage | undefined {
    return this.lastUsage;
  }
}
