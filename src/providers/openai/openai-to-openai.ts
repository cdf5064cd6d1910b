import type { ClientRequest } from '../../api/client-request';
import { reshapeAsOpenAIError } from '../../api/openai-errors';
import { withOpenAIToolIdsIn } from '../history-ids';
import { SseDecoder, withEventData } from '../sse';
import type { AttemptTarget, Translator, UpstreamRequest } from '../translator';
import type { TokenUsage } from '../usage';
import { fromOpenAIUsage, fromResponsesUsage } from './openai-usage';
import { upstreamPath } from './upstream-path';
import { topLevelTailObject } from './tail-json';
import { asksForEncryptedReasoning, droppedReasoningWarning, markResponse, markStreamEvent, reasoningScope, scopeReasoningInput } from './responses-reasoning';

/** A JSON object body with `member` (`"name":value`) added as its first member. */
export function withLeadingMember(body: Buffer, member: string): Buffer {
  const open = body.indexOf(0x7b);
  const empty = body.subarray(open + 1).toString('utf8').trim().startsWith('}');
  return Buffer.concat([body.subarray(0, open + 1), Buffer.from(empty ? member : `${member},`, 'utf8'), body.subarray(open + 1)]);
}

/**
 * OpenAI client → any OpenAI-compatible backend. The body passes through untouched
 * unless the backend needs another model name or we ask for stream usage; the response
 * passes through, read for usage on the way.
 */
export class OpenAIToOpenAI implements Translator {
  private readonly decoder: SseDecoder;
  private lastUsage: TokenUsage | undefined;
  readonly warnings: string[] = [];
  /** We added `stream_options.include_usage`, so the usage-only chunk is ours to drop. */
  private readonly injectedStreamUsage: boolean;
  /** Responses with encrypted reasoning: marked with this backend's scope (responses-reasoning.ts); else undefined. */
  private readonly reasoningScope: string | undefined;
  private readonly bodyChunks: Buffer[] = [];

  constructor(
    private readonly request: ClientRequest,
    private readonly target: AttemptTarget,
  ) {
    this.decoder = new SseDecoder({ maxEventBytes: target.maxStreamEventBytes });
    // Only (Chat) Completions needs asking: Responses API streams end with usage anyway.
    this.injectedStreamUsage =
      (request.api === 'openai-chat' || request.api === 'openai-completions') && request.stream && !request.clientWantsStreamUsage && target.backend.streamIncludeUsage;
    this.reasoningScope = request.api === 'openai-responses' && asksForEncryptedReasoning(request.body.include) ? reasoningScope(target.backend.name) : undefined;
  }

  /** The answer passes as sent unless its encrypted reasoning is marked. */
  get responsePassesThrough(): boolean {
    return this.reasoningScope === undefined;
  }

  requestBody(): UpstreamRequest {
    const { backend, upstreamModel } = this.target;
    const renamed = upstreamModel !== undefined && upstreamModel !== this.request.model;
    let body = this.request.rawBody;
    // Ids written for other providers in earlier turns (Gemini's carry thought signatures) can exceed OpenAI's limit.
    const messages = this.request.api === 'openai-chat' ? withOpenAIToolIdsIn(this.request.body.messages) : this.request.body.messages;
    const idsRewritten = messages !== this.request.body.messages;
    // Reasoning another backend encrypted cannot be read here (responses-reasoning.ts).
    const scoped = this.request.api === 'openai-responses' ? scopeReasoningInput(this.request.body.input, reasoningScope(backend.name)) : { input: undefined, dropped: 0 };
    if (scoped.dropped > 0) this.warnings.splice(0, this.warnings.length, droppedReasoningWarning(scoped.dropped));
    const inputScoped = scoped.input !== this.request.body.input && this.request.api === 'openai-responses';
    if (!renamed && !idsRewritten && !inputScoped && this.injectedStreamUsage && !('stream_options' in this.request.body)) {
      // The one member added in front of the client's own bytes: no parse, no re-serialization.
      body = withLeadingMember(body, '"stream_options":{"include_usage":true}');
    } else if (renamed || idsRewritten || inputScoped || this.injectedStreamUsage) {
      const copy: Record<string, unknown> = { ...this.request.body };
      if (renamed) copy.model = upstreamModel;
      if (idsRewritten) copy.messages = messages;
      if (inputScoped) copy.input = scoped.input;
      if (this.injectedStreamUsage) {
        const options = typeof copy.stream_options === 'object' && copy.stream_options !== null ? copy.stream_options : {};
        copy.stream_options = { ...options, include_usage: true };
      }
      body = Buffer.from(JSON.stringify(copy));
    }
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (backend.credential) {
      headers[backend.credential.header] = backend.credential.prefix + backend.credential.secret.reveal();
    }
    return { path: upstreamPath(backend, this.request.api, upstreamModel ?? this.request.model), headers, body };
  }

  responseBody(chunk: Buffer, endOfStream: boolean): Buffer | undefined {
    if (!this.request.stream) {
      if (this.reasoningScope === undefined) {
        if (endOfStream) this.readWholeUsage(chunk);
        return undefined;
      }
      this.bodyChunks.push(chunk);
      return endOfStream ? this.markedWholeBody() : Buffer.alloc(0);
    }
    const events = this.decoder.push(chunk);
    const last = endOfStream ? this.decoder.finish() : undefined;
    if (last) events.push(last);
    const kept: Buffer[] = [];
    for (const event of events) {
      const usageOnly = event.data !== undefined && this.readStreamUsage(event.data);
      if (usageOnly && this.injectedStreamUsage) continue;
      const marked = this.reasoningScope !== undefined && event.data !== undefined ? markStreamEvent(event.data, this.reasoningScope) : undefined;
      kept.push(marked === undefined ? event.raw : withEventData(event, marked));
    }
    // Without our own chunk to drop or reasoning to mark, the bytes pass through exactly as
    // they came, with no hold-back; otherwise whole events go out as they complete.
    return this.injectedStreamUsage || this.reasoningScope !== undefined ? Buffer.concat(kept) : undefined;
  }

  /** A whole Responses answer with its encrypted reasoning marked (as sent when it is not a response object). */
  private markedWholeBody(): Buffer {
    const body = Buffer.concat(this.bodyChunks);
    this.bodyChunks.length = 0;
    this.readWholeUsage(body);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return body;
    }
    return this.reasoningScope !== undefined && markResponse(parsed, this.reasoningScope) ? Buffer.from(JSON.stringify(parsed)) : body;
  }

  responseError(status: number, body: Buffer): Buffer | undefined {
    const reshaped = reshapeAsOpenAIError(status, body);
    return reshaped.changed ? reshaped.body : undefined;
  }

  usage(): TokenUsage | undefined {
    return this.lastUsage;
  }

  /** Usage of a whole answer: from its tail when the body is large (see tail-json.ts), else from the parsed body. */
  private readWholeUsage(body: Buffer): void {
    const tail = topLevelTailObject(body, 'usage');
    if (tail) {
      const usage = this.request.api === 'openai-responses' ? fromResponsesUsage(tail) : fromOpenAIUsage(tail);
      if (usage) {
        this.lastUsage = usage;
        return;
      }
    }
    this.readUsage(body.toString('utf8'));
  }

  private readUsage(text: string): void {
    try {
      const parsed = JSON.parse(text) as { usage?: unknown };
      const usage = this.request.api === 'openai-responses' ? fromResponsesUsage(parsed.usage) : fromOpenAIUsage(parsed.usage);
      this.lastUsage = usage ?? this.lastUsage;
    } catch {
      // A body that is not JSON carries no usage; the response still passes through.
    }
  }

  /** Records usage from a stream chunk; true when the chunk is the usage-only final chunk. */
  private readStreamUsage(data: string): boolean {
    if (data === '[DONE]' || !data.includes('"usage"')) return false;
    if (this.request.api === 'openai-responses') {
      this.readResponsesEvent(data);
      return false;
    }
    try {
      const parsed = JSON.parse(data) as { usage?: unknown; choices?: unknown };
      const usage = fromOpenAIUsage(parsed.usage);
      if (!usage) return false;
      // Providers that send cumulative usage on every chunk: the last one wins.
      this.lastUsage = usage;
      return Array.isArray(parsed.choices) && parsed.choices.length === 0;
    } catch {
      return false;
    }
  }

  /** Responses API streams report usage once, in the final response.completed (or .failed / .incomplete) event. */
  private readResponsesEvent(data: string): void {
    try {
      const parsed = JSON.parse(data) as { type?: string; response?: { usage?: unknown } };
      if (parsed.type === 'response.completed' || parsed.type === 'response.failed' || parsed.type === 'response.incomplete') {
        this.lastUsage = fromResponsesUsage(parsed.response?.usage) ?? this.lastUsage;
      }
    } catch {
      // A malformed event carries no usage; it still reaches the client as sent.
    }
  }
}
