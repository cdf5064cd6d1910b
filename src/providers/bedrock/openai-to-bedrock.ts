import { randomBytes } from 'node:crypto';
import type { ClientRequest } from '../../api/client-request';
import { parseJson } from '../anthropic/json-guards';
import type { AttemptTarget, Translator, UpstreamRequest } from '../translator';
import type { TokenUsage } from '../usage';
import { BedrockStreamToOpenAI } from './bedrock-stream-to-openai';
import { convertBedrockError, readBedrockErrorMessage, toOpenAIErrorFromBedrock } from './convert-bedrock-error';
import { convertBedrockResponse } from './convert-bedrock-response';
import { convertToBedrockRequest } from './convert-to-bedrock-request';
import { signBedrockRequest } from './sign-bedrock-request';

/** Clocks and ids; tests pass fixed ones. */
export interface BedrockTranslatorOptions {
  /** The signing time (x-amz-date). */
  readonly now?: () => Date;
  /** The completion id suffix (`chatcmpl-<id>`); random per translator by default. */
  readonly id?: string;
}

/**
 * OpenAI Chat Completions client → Amazon Bedrock Runtime backend. The request is rebuilt for
 * `POST {baseUrl}/model/{modelId}/converse`, or `/converse-stream` when streaming (Converse and
 * ConverseStream API references), with the model id percent-encoded (`:` in
 * `anthropic.claude-…-v2:0` becomes `%3A`), and signed with SigV4 over the final body. The
 * response, a Converse JSON body or an event stream, is rebuilt as an OpenAI completion.
 */
export class OpenAIToBedrock implements Translator {
  readonly warnings: string[] = [];
  failedResponse = false;
  private readonly id: string;
  /** `created` for the response: one value for every chunk of a stream. */
  private readonly created: number;
  private readonly now: () => Date;
  private readonly stream: BedrockStreamToOpenAI | undefined;
  private readonly bodyChunks: Buffer[] = [];
  private lastUsage: TokenUsage | undefined;

  constructor(
    private readonly request: ClientRequest,
    private readonly target: AttemptTarget,
    options: BedrockTranslatorOptions = {},
  ) {
    this.now = options.now ?? ((): Date => new Date());
    this.id = `chatcmpl-${options.id ?? randomBytes(12).toString('hex')}`;
    this.created = Math.floor(this.now().getTime() / 1000);
    this.stream = request.stream
      ? new BedrockStreamToOpenAI({ id: this.id, created: this.created, model: request.model, includeUsage: request.clientWantsStreamUsage, maxFrameBytes: target.maxStreamEventBytes })
      : undefined;
  }

  async requestBody(): Promise<UpstreamRequest> {
    const { backend, upstreamModel } = this.target;
    const modelId = upstreamModel ?? this.request.model;
    const converted = convertToBedrockRequest(this.request.body, { modelId, backendName: backend.name });
    this.warnings.splice(0, this.warnings.length, ...converted.warnings);
    const path = `${backend.pathPrefix}/model/${encodeURIComponent(modelId)}/${this.stream ? 'converse-stream' : 'converse'}`;
    const body = JSON.stringify(converted.body);
    const headers = await signBedrockRequest({ backend, path, body, stream: this.stream !== undefined, signingDate: this.now() });
    return { path, headers, body: Buffer.from(body) };
  }

  responseBody(chunk: Buffer, endOfStream: boolean): Buffer {
    if (this.stream) return this.stream.push(chunk, endOfStream);
    // A whole JSON body is needed; hold back anything before its end.
    this.bodyChunks.push(chunk);
    if (!endOfStream) return Buffer.alloc(0);
    const parsed = parseJson(Buffer.concat(this.bodyChunks).toString('utf8'));
    this.bodyChunks.length = 0;
    const converted = convertBedrockResponse(parsed, { id: this.id, created: this.created, model: this.request.model });
    if (converted) {
      this.lastUsage = converted.usage;
      return Buffer.from(JSON.stringify(converted.body));
    }
    // A 200 that is not a response: an error message in the body, or something unreadable.
    this.failedResponse = true;
    const message = readBedrockErrorMessage(parsed) ?? 'upstream returned a body that is not a Bedrock Converse response';
    return Buffer.from(JSON.stringify(toOpenAIErrorFromBedrock(message, 500)));
  }

  responseError(status: number, body: Buffer): Buffer {
    return convertBedrockError(status, body);
  }

  usage(): TokenUsage | undefined {
    return this.stream ? this.stream.usage() : this.lastUsage;
  }
}
