import { randomBytes } from 'node:crypto';
import type { ClientRequest } from '../../api/client-request';
import { parseJson } from '../anthropic/json-guards';
import type { AttemptTarget, Translator, UpstreamRequest } from '../translator';
import type { TokenUsage } from '../usage';
import { BedrockStreamToAnthropic } from './bedrock-stream-to-anthropic';
import { convertAnthropicRequestToBedrock } from './convert-anthropic-request-to-bedrock';
import { convertBedrockErrorToAnthropic, readBedrockErrorMessage } from './convert-bedrock-error';
import { convertBedrockResponseToAnthropic } from './convert-bedrock-response-to-anthropic';
import { signBedrockRequest } from './sign-bedrock-request';

/** Clocks and ids; tests pass fixed ones. */
export interface AnthropicToBedrockOptions {
  /** The signing time (x-amz-date). */
  readonly now?: () => Date;
  /** The message id suffix (`msg_bdrk_<id>`); random per translator by default. */
  readonly id?: string;
}

/**
 * Anthropic Messages client (`POST /v1/messages`) → Amazon Bedrock Converse / ConverseStream
 * (`api: converse`, the default): any Bedrock model, Claude or not, served to the Anthropic
 * SDK. The request is rebuilt for `POST {baseUrl}/model/{modelId}/converse` (or
 * `/converse-stream`), the model id percent-encoded, and signed with SigV4 over the final
 * body; the answer, a Converse JSON body or an event stream, is rebuilt as an Anthropic
 * message or Anthropic SSE events; errors come in Anthropic's shape.
 */
export class AnthropicToBedrock implements Translator {
  readonly warnings: string[] = [];
  failedResponse = false;
  private readonly id: string;
  private readonly now: () => Date;
  private readonly stream: BedrockStreamToAnthropic | undefined;
  private readonly bodyChunks: Buffer[] = [];
  private lastUsage: TokenUsage | undefined;

  constructor(
    private readonly request: ClientRequest,
    private readonly target: AttemptTarget,
    options: AnthropicToBedrockOptions = {},
  ) {
    this.now = options.now ?? ((): Date => new Date());
    this.id = `msg_bdrk_${options.id ?? randomBytes(12).toString('hex')}`;
    this.stream = request.stream ? new BedrockStreamToAnthropic({ id: this.id, model: request.model }, target.maxStreamEventBytes) : undefined;
  }

  async requestBody(): Promise<UpstreamRequest> {
    const { backend, upstreamModel } = this.target;
    const modelId = upstreamModel ?? this.request.model;
    const converted = convertAnthropicRequestToBedrock(this.request.body, { modelId, backendName: backend.name });
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
    const converted = convertBedrockResponseToAnthropic(parsed, { id: this.id, model: this.request.model });
    if (converted) {
      this.lastUsage = converted.usage;
      return Buffer.from(JSON.stringify(converted.body));
    }
    // A 200 that is not a response: an error message in the body, or something unreadable.
    this.failedResponse = true;
    const message = readBedrockErrorMessage(parsed) ?? 'upstream returned a body that is not a Bedrock Converse response';
    return Buffer.from(JSON.stringify({ type: 'error', error: { type: 'api_error', message } }));
  }

  responseError(status: number, body: Buffer): Buffer | undefined {
    return convertBedrockErrorToAnthropic(status, body);
  }

  usage(): TokenUsage | undefined {
    return this.stream ? this.stream.usage() : this.lastUsage;
  }
}
