import type { ClientRequest } from '../../api/client-request';
import type { AttemptTarget, Translator, UpstreamRequest } from '../translator';
import type { TokenUsage } from '../usage';
import { AnthropicStreamToOpenAI } from './anthropic-stream-to-openai';
import { convertAnthropicError, readAnthropicError, toOpenAIError } from './convert-anthropic-error';
import { convertAnthropicResponse } from './convert-anthropic-response';
import { convertToAnthropicRequest } from './convert-to-anthropic-request';
import { parseJson } from './json-guards';

/**
 * OpenAI Chat Completions client → Anthropic Messages backend. The request is rebuilt for
 * `POST {baseUrl}/v1/messages` — an anthropic backend's baseUrl has no `/v1`
 * (`https://api.anthropic.com`) — and the response, whole or streamed, is rebuilt as an
 * OpenAI completion. Options Anthropic cannot honour are dropped into `warnings`, or refused
 * with a 400 GatewayError from requestBody() when dropping them would change the answer.
 */
export class OpenAIToAnthropic implements Translator {
  readonly warnings: string[] = [];
  failedResponse = false;
  /** `created` for the response: one value for every chunk of a stream. */
  private readonly created: number;
  private readonly stream: AnthropicStreamToOpenAI | undefined;
  private readonly bodyChunks: Buffer[] = [];
  private lastUsage: TokenUsage | undefined;

  /** `now` returns milliseconds like Date.now; tests pass a fixed clock. */
  constructor(
    private readonly request: ClientRequest,
    private readonly target: AttemptTarget,
    now: () => number = Date.now,
  ) {
    this.created = Math.floor(now() / 1000);
    this.stream = request.stream ? new AnthropicStreamToOpenAI({ created: this.created, includeUsage: request.clientWantsStreamUsage, maxEventBytes: target.maxStreamEventBytes }) : undefined;
  }

  requestBody(): UpstreamRequest {
    const { backend, upstreamModel } = this.target;
    const converted = convertToAnthropicRequest(this.request.body, {
      model: upstreamModel ?? this.request.model,
      anthropicVersion: backend.anthropicVersion,
      backendName: backend.name,
    });
    this.warnings.splice(0, this.warnings.length, ...converted.warnings);
    // streamIncludeUsage does not apply: Anthropic streams always carry usage.
    const headers: Record<string, string> = { 'content-type': 'application/json', 'anthropic-version': backend.anthropicVersion };
    if (backend.credential) headers[backend.credential.header] = backend.credential.prefix + backend.credential.secret.reveal();
    return { path: `${backend.pathPrefix}/v1/messages`, headers, body: Buffer.from(JSON.stringify(converted.body)) };
  }

  responseBody(chunk: Buffer, endOfStream: boolean): Buffer {
    if (this.stream) return this.stream.push(chunk, endOfStream);
    // A whole JSON body is needed; hold back anything before its end.
    this.bodyChunks.push(chunk);
    if (!endOfStream) return Buffer.alloc(0);
    const parsed = parseJson(Buffer.concat(this.bodyChunks).toString('utf8'));
    this.bodyChunks.length = 0;
    const converted = convertAnthropicResponse(parsed, this.created);
    if (converted) {
      this.lastUsage = converted.usage;
      return Buffer.from(JSON.stringify(converted.body));
    }
    // A 200 that is not a message: an error object in the body, or something unreadable.
    this.failedResponse = true;
    const error = readAnthropicError(parsed) ?? { type: 'api_error', message: 'upstream returned a body that is not an Anthropic message' };
    return Buffer.from(JSON.stringify(toOpenAIError(error.type, error.message, 500)));
  }

  responseError(status: number, body: Buffer): Buffer {
    return convertAnthropicError(status, body);
  }

  usage(): TokenUsage | undefined {
    return this.stream ? this.stream.usage() : this.lastUsage;
  }
}
