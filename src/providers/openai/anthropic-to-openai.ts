import { reshapeAsAnthropicError } from '../../api/anthropic-errors';
import type { ClientRequest } from '../../api/client-request';
import { parseJson } from '../anthropic/json-guards';
import type { AttemptTarget, Translator, UpstreamRequest } from '../translator';
import type { TokenUsage } from '../usage';
import { convertAnthropicRequestToOpenAI } from './convert-anthropic-request-to-openai';
import { errorWithoutStatus } from './convert-openai-error-to-anthropic';
import { convertOpenAIResponse } from './convert-openai-response-to-anthropic';
import { OpenAIStreamToAnthropic } from './convert-openai-stream-to-anthropic';
import { upstreamPath } from './upstream-path';

/**
 * Anthropic Messages client (`POST /v1/messages`) → OpenAI-compatible backend. The request
 * is rebuilt for Chat Completions (`{baseUrl}/chat/completions`, or Azure's form of it) and
 * the response, whole or streamed, is rebuilt as an Anthropic message. Options OpenAI
 * cannot honour are dropped into `warnings`, or refused with a 400 GatewayError from
 * requestBody() when dropping them would change the answer (documents, server tools).
 */
export class AnthropicToOpenAI implements Translator {
  readonly warnings: string[] = [];
  failedResponse = false;
  /** Names the message if the backend sends no id (OpenAI always does; not every compatible server). */
  private readonly fallbackId: string;
  private readonly stream: OpenAIStreamToAnthropic | undefined;
  private readonly bodyChunks: Buffer[] = [];
  private lastUsage: TokenUsage | undefined;

  /** `now` returns milliseconds like Date.now; tests pass a fixed clock. */
  constructor(
    private readonly request: ClientRequest,
    private readonly target: AttemptTarget,
    now: () => number = Date.now,
  ) {
    this.fallbackId = `aigw${now().toString(36)}`;
    this.stream = request.stream ? new OpenAIStreamToAnthropic(this.fallbackId, target.maxStreamEventBytes) : undefined;
  }

  requestBody(): UpstreamRequest {
    const { backend, upstreamModel } = this.target;
    const model = upstreamModel ?? this.request.model;
    const converted = convertAnthropicRequestToOpenAI(this.request.body, {
      model,
      backendName: backend.name,
      stream: this.request.stream,
      streamIncludeUsage: backend.streamIncludeUsage,
    });
    this.warnings.splice(0, this.warnings.length, ...converted.warnings);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (backend.credential) headers[backend.credential.header] = backend.credential.prefix + backend.credential.secret.reveal();
    // The Chat Completions path: `{pathPrefix}/chat/completions`, or Azure's dated form.
    return { path: upstreamPath(backend, 'openai-chat', model), headers, body: Buffer.from(JSON.stringify(converted.body)) };
  }

  responseBody(chunk: Buffer, endOfStream: boolean): Buffer {
    if (this.stream) return this.stream.push(chunk, endOfStream);
    // A whole JSON body is needed; hold back anything before its end.
    this.bodyChunks.push(chunk);
    if (!endOfStream) return Buffer.alloc(0);
    const parsed = parseJson(Buffer.concat(this.bodyChunks).toString('utf8'));
    this.bodyChunks.length = 0;
    const converted = convertOpenAIResponse(parsed, this.fallbackId);
    if (converted) {
      this.lastUsage = converted.usage;
      return Buffer.from(JSON.stringify(converted.body));
    }
    // A 200 that is not a completion: an error object in the body, or something unreadable.
    this.failedResponse = true;
    return Buffer.from(JSON.stringify(errorWithoutStatus(parsed, 'upstream returned a body that is not an OpenAI chat completion')));
  }

  /**
   * OpenAI's `{"error":{"message",...}}` (or any other body) as Anthropic's error, typed by
   * the status as Anthropic's own errors are: the Anthropic SDK picks its error class by status.
   */
  responseError(status: number, body: Buffer): Buffer {
    return reshapeAsAnthropicError(status, body).body;
  }

  usage(): TokenUsage | undefined {
    return this.stream ? this.stream.usage() : this.lastUsage;
  }
}
