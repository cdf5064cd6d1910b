import { randomBytes } from 'node:crypto';
import type { ClientRequest } from '../../api/client-request';
import { parseJson } from '../anthropic/json-guards';
import type { AttemptTarget, Translator, UpstreamRequest } from '../translator';
import type { TokenUsage } from '../usage';
import { convertGeminiError, readGeminiError, toOpenAIErrorFromGemini } from './convert-gemini-error';
import { convertGeminiResponse } from './convert-gemini-response';
import { convertToGeminiRequest } from './convert-to-gemini-request';
import { GeminiIds } from './gemini-ids';
import { GeminiStreamToOpenAI } from './gemini-stream-to-openai';
import { signatureEndpoint } from './gemini-thought-signatures';

/** A fresh id prefix per translator: 12 hex digits, so ids of different requests do not collide. */
export function randomIdPrefix(): string {
  return randomBytes(6).toString('hex');
}

/**
 * OpenAI Chat Completions client → Gemini API backend. The request is rebuilt for
 * `POST {baseUrl}/v1beta/models/{model}:generateContent`, or `:streamGenerateContent?alt=sse`
 * when streaming (without `alt=sse` Gemini streams one JSON array, not SSE); a gemini
 * backend's baseUrl has no version (`https://generativelanguage.googleapis.com`). The
 * response, whole or streamed, is rebuilt as an OpenAI completion. Options Gemini cannot
 * honour are dropped into `warnings`; what it cannot read is a 400 GatewayError from requestBody().
 */
export class OpenAIToGemini implements Translator {
  readonly warnings: string[] = [];
  failedResponse = false;
  /** `created` for the response: one value for every chunk of a stream. */
  private readonly created: number;
  private readonly ids: GeminiIds;
  private readonly stream: GeminiStreamToOpenAI | undefined;
  private readonly bodyChunks: Buffer[] = [];
  private lastUsage: TokenUsage | undefined;

  /**
   * `now` returns milliseconds like Date.now; `idPrefix` makes the generated tool-call and
   * completion ids unique per request. Tests pass fixed values for both.
   */
  constructor(
    private readonly request: ClientRequest,
    private readonly target: AttemptTarget,
    now: () => number = Date.now,
    idPrefix: string = randomIdPrefix(),
  ) {
    this.created = Math.floor(now() / 1000);
    this.ids = new GeminiIds(idPrefix, signatureEndpoint(target.backend.kind));
    this.stream = request.stream
      ? new GeminiStreamToOpenAI({ created: this.created, model: request.model, includeUsage: request.clientWantsStreamUsage, ids: this.ids, maxEventBytes: target.maxStreamEventBytes })
      : undefined;
  }

  requestBody(): UpstreamRequest {
    const { backend, upstreamModel } = this.target;
    const converted = convertToGeminiRequest(this.request.body, { backendName: backend.name, signatureEndpoint: this.ids.endpoint });
    this.warnings.splice(0, this.warnings.length, ...converted.warnings);
    const model = encodeURIComponent(upstreamModel ?? this.request.model);
    const method = this.stream ? 'streamGenerateContent?alt=sse' : 'generateContent';
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (backend.credential) headers[backend.credential.header] = backend.credential.prefix + backend.credential.secret.reveal();
    return { path: `${backend.pathPrefix}/v1beta/models/${model}:${method}`, headers, body: Buffer.from(JSON.stringify(converted.body)) };
  }

  responseBody(chunk: Buffer, endOfStream: boolean): Buffer {
    if (this.stream) return this.stream.push(chunk, endOfStream);
    // A whole JSON body is needed; hold back anything before its end.
    this.bodyChunks.push(chunk);
    if (!endOfStream) return Buffer.alloc(0);
    const parsed = parseJson(Buffer.concat(this.bodyChunks).toString('utf8'));
    this.bodyChunks.length = 0;
    const converted = convertGeminiResponse(parsed, { created: this.created, model: this.request.model, ids: this.ids });
    if (converted) {
      this.lastUsage = converted.usage;
      return Buffer.from(JSON.stringify(converted.body));
    }
    // A 200 that is not a response: an error object in the body, or something unreadable.
    this.failedResponse = true;
    const error = readGeminiError(parsed) ?? { code: 500, message: 'upstream returned a body that is not a Gemini response', status: 'INTERNAL' };
    return Buffer.from(JSON.stringify(toOpenAIErrorFromGemini(error, error.code ?? 500)));
  }

  responseError(status: number, body: Buffer): Buffer {
    return convertGeminiError(status, body);
  }

  usage(): TokenUsage | undefined {
    return this.stream ? this.stream.usage() : this.lastUsage;
  }
}
