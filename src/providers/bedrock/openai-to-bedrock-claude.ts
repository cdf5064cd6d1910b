import type { ClientRequest } from '../../api/client-request';
import { AnthropicStreamToOpenAI } from '../anthropic/anthropic-stream-to-openai';
import { readAnthropicError, toOpenAIError } from '../anthropic/convert-anthropic-error';
import { convertAnthropicResponse } from '../anthropic/convert-anthropic-response';
import { convertToAnthropicRequest } from '../anthropic/convert-to-anthropic-request';
import { parseJson } from '../anthropic/json-guards';
import type { AttemptTarget, Translator, UpstreamRequest } from '../translator';
import type { TokenUsage } from '../usage';
import { invokePath, toInvokeBody } from './bedrock-claude';
import { convertBedrockError, readBedrockErrorMessage } from './convert-bedrock-error';
import { InvokeStreamToSse } from './invoke-stream-to-sse';
import { signBedrockRequest } from './sign-bedrock-request';

/**
 * OpenAI Chat Completions client → an Anthropic model on Bedrock through InvokeModel, with
 * Anthropic's own Messages body (`api: invoke` on a bedrock backend): the request is the one
 * OpenAIToAnthropic builds, reshaped for InvokeModel (see bedrock-claude.ts) and signed with
 * SigV4; the answer is an Anthropic message, or Anthropic's stream events inside AWS event
 * stream frames (re-framed as SSE, then translated as Anthropic's own stream is).
 */
export class OpenAIToBedrockClaude implements Translator {
  readonly warnings: string[] = [];
  failedResponse = false;
  private readonly created: number;
  private readonly frames: InvokeStreamToSse | undefined;
  private readonly stream: AnthropicStreamToOpenAI | undefined;
  private readonly bodyChunks: Buffer[] = [];
  private lastUsage: TokenUsage | undefined;

  constructor(
    private readonly request: ClientRequest,
    private readonly target: AttemptTarget,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.created = Math.floor(now().getTime() / 1000);
    this.frames = request.stream ? new InvokeStreamToSse(target.maxStreamEventBytes) : undefined;
    // Reads the frames' events re-framed as SSE: each no larger than the frame it came in.
    this.stream = request.stream ? new AnthropicStreamToOpenAI({ created: this.created, includeUsage: request.clientWantsStreamUsage, maxEventBytes: target.maxStreamEventBytes }) : undefined;
  }

  async requestBody(): Promise<UpstreamRequest> {
    const { backend, upstreamModel } = this.target;
    const modelId = upstreamModel ?? this.request.model;
    // Bedrock speaks the 2023-06-01 Messages API (bedrock-2023-05-31), whatever the backend's anthropicVersion.
    const converted = convertToAnthropicRequest(this.request.body, { model: modelId, anthropicVersion: '2023-06-01', backendName: backend.name });
    this.warnings.splice(0, this.warnings.length, ...converted.warnings);
    const path = invokePath(backend, modelId, this.stream !== undefined);
    const body = JSON.stringify(toInvokeBody(converted.body as unknown as Record<string, unknown>));
    const headers = await signBedrockRequest({ backend, path, body, stream: this.stream !== undefined, signingDate: this.now() });
    return { path, headers, body: Buffer.from(body) };
  }

  responseBody(chunk: Buffer, endOfStream: boolean): Buffer {
    if (this.stream && this.frames) return this.stream.push(Buffer.from(this.frames.push(chunk, endOfStream)), endOfStream);
    this.bodyChunks.push(chunk);
    if (!endOfStream) return Buffer.alloc(0);
    const parsed = parseJson(Buffer.concat(this.bodyChunks).toString('utf8'));
    this.bodyChunks.length = 0;
    const converted = convertAnthropicResponse(parsed, this.created);
    if (converted) {
      this.lastUsage = converted.usage;
      return Buffer.from(JSON.stringify(converted.body));
    }
    const anthropicError = readAnthropicError(parsed);
    this.failedResponse = true;
    const message = anthropicError?.message ?? readBedrockErrorMessage(parsed) ?? 'upstream returned a body that is not an Anthropic message';
    return Buffer.from(JSON.stringify(toOpenAIError(anthropicError?.type ?? 'api_error', message, 500)));
  }

  responseError(status: number, body: Buffer): Buffer {
    return convertBedrockError(status, body);
  }

  usage(): TokenUsage | undefined {
    return this.stream ? this.stream.usage() : this.lastUsage;
  }
}
