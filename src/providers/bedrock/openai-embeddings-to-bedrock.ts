import type { ClientRequest } from '../../api/client-request';
import { GatewayError } from '../../errors';
import { parseJson } from '../anthropic/json-guards';
import type { AttemptTarget, Translator, UpstreamRequest } from '../translator';
import type { TokenUsage } from '../usage';
import { invokePath } from './bedrock-claude';
import { convertBedrockEmbeddings, convertEmbeddingsToBedrock, embeddingFamily } from './convert-embeddings-to-bedrock';
import type { EmbeddingFamily } from './convert-embeddings-to-bedrock';
import { convertBedrockError, readBedrockErrorMessage, toOpenAIErrorFromBedrock } from './convert-bedrock-error';
import { signBedrockRequest } from './sign-bedrock-request';

/**
 * OpenAI embeddings client → a Bedrock embedding model through InvokeModel
 * (`/model/{modelId}/invoke`, SigV4): Amazon Titan Text Embeddings v1/v2 and Cohere Embed
 * v3/v4, each with its own body (convert-embeddings-to-bedrock.ts); the answer is rebuilt as
 * OpenAI's embedding list, base64 made by the gateway when asked.
 */
export class OpenAIEmbeddingsToBedrock implements Translator {
  readonly warnings: string[] = [];
  failedResponse = false;
  private readonly chunks: Buffer[] = [];
  private context: { model: string; encoding: 'float' | 'base64'; inputCount: number; family: EmbeddingFamily } | undefined;
  private lastUsage: TokenUsage | undefined;
  private headerTokens: number | undefined;

  constructor(
    private readonly request: ClientRequest,
    private readonly target: AttemptTarget,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async requestBody(): Promise<UpstreamRequest> {
    const { backend, upstreamModel } = this.target;
    const modelId = upstreamModel ?? this.request.model;
    const family = embeddingFamily(modelId);
    if (!family) {
      throw new GatewayError(400, 'invalid_request_error', 'unsupported_model', `Backend "${backend.name}" (bedrock) embeds with Amazon Titan Text Embeddings or Cohere Embed models, not ${modelId}.`, 'model');
    }
    const converted = convertEmbeddingsToBedrock(this.request.body, family);
    this.warnings.splice(0, this.warnings.length, ...converted.warnings);
    this.context = { model: this.request.model, encoding: converted.encoding, inputCount: converted.inputCount, family };
    const path = invokePath(backend, modelId, false);
    const body = JSON.stringify(converted.body);
    const headers = await signBedrockRequest({ backend, path, body, stream: false, signingDate: this.now() });
    return { path, headers, body: Buffer.from(body) };
  }

  responseBody(chunk: Buffer, endOfStream: boolean): Buffer {
    this.chunks.push(chunk);
    if (!endOfStream) return Buffer.alloc(0);
    const parsed = parseJson(Buffer.concat(this.chunks).toString('utf8'));
    const converted = this.context ? convertBedrockEmbeddings(parsed, this.context, this.headerTokens) : undefined;
    if (converted) {
      this.lastUsage = converted.usage;
      return Buffer.from(JSON.stringify(converted.body));
    }
    this.failedResponse = true;
    const message = readBedrockErrorMessage(parsed) ?? 'upstream returned a body that is not an embeddings response';
    return Buffer.from(JSON.stringify(toOpenAIErrorFromBedrock(message, 500)));
  }

  responseError(status: number, body: Buffer): Buffer {
    return convertBedrockError(status, body);
  }

  /**
   * InvokeModel reports the input tokens in `x-amzn-bedrock-input-token-count` (InvokeModel
   * reference, response headers): the only count Cohere's embeddings come with.
   */
  responseHeaders(headers: ReadonlyMap<string, string>): void {
    const counted = Number(headers.get('x-amzn-bedrock-input-token-count'));
    if (Number.isInteger(counted) && counted >= 0) this.headerTokens = counted;
  }

  usage(): TokenUsage | undefined {
    return this.lastUsage;
  }
}
