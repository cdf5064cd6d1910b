import type { ClientRequest } from '../../api/client-request';
import { parseJson } from '../anthropic/json-guards';
import type { AttemptTarget, Translator, UpstreamRequest } from '../translator';
import type { TokenUsage } from '../usage';
import { convertEmbeddingsToGemini } from './convert-embeddings-to-gemini';
import { convertGeminiEmbeddings } from './convert-gemini-embeddings';
import { convertGeminiError, readGeminiError, toOpenAIErrorFromGemini } from './convert-gemini-error';

/**
 * OpenAI embeddings client → Gemini API (AI Studio) backend: the inputs go to
 * `POST {baseUrl}/v1beta/models/{model}:batchEmbedContents` as one request each, and the
 * vectors come back as OpenAI's list, base64-encoded by the gateway when the client asked for
 * `encoding_format: base64` (the OpenAI SDKs ask by default). Gemini reports no token counts
 * for embeddings, so usage() is undefined and the request is counted in `aigw_usage_missing_total`.
 */
export class OpenAIEmbeddingsToGemini implements Translator {
  readonly warnings: string[] = [];
  failedResponse = false;
  private readonly bodyChunks: Buffer[] = [];
  private encoding: 'float' | 'base64' = 'float';
  private inputCount = 0;
  private lastUsage: TokenUsage | undefined;

  constructor(
    private readonly request: ClientRequest,
    private readonly target: AttemptTarget,
  ) {}

  requestBody(): UpstreamRequest {
    const { backend, upstreamModel } = this.target;
    const model = upstreamModel ?? this.request.model;
    const converted = convertEmbeddingsToGemini(this.request.body, model);
    this.warnings.splice(0, this.warnings.length, ...converted.warnings);
    this.encoding = converted.encoding;
    this.inputCount = converted.inputCount;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (backend.credential) headers[backend.credential.header] = backend.credential.prefix + backend.credential.secret.reveal();
    const path = `${backend.pathPrefix}/v1beta/models/${encodeURIComponent(model)}:batchEmbedContents`;
    return { path, headers, body: Buffer.from(JSON.stringify(converted.body)) };
  }

  responseBody(chunk: Buffer, endOfStream: boolean): Buffer {
    this.bodyChunks.push(chunk);
    if (!endOfStream) return Buffer.alloc(0);
    const parsed = parseJson(Buffer.concat(this.bodyChunks).toString('utf8'));
    this.bodyChunks.length = 0;
    const converted = convertGeminiEmbeddings(parsed, { model: this.request.model, encoding: this.encoding, inputCount: this.inputCount });
    if (converted) {
      this.lastUsage = converted.usage;
      return Buffer.from(JSON.stringify(converted.body));
    }
    this.failedResponse = true;
    const error = readGeminiError(parsed) ?? { code: 500, message: 'upstream returned a body that is not a Gemini embeddings response', status: 'INTERNAL' };
    return Buffer.from(JSON.stringify(toOpenAIErrorFromGemini(error, error.code ?? 500)));
  }

  responseError(status: number, body: Buffer): Buffer {
    return convertGeminiError(status, body);
  }

  usage(): TokenUsage | undefined {
    return this.lastUsage;
  }
}
