import { toOpenAIUsage } from '../anthropic/convert-anthropic-usage';
import { isRecord, parseJson } from '../anthropic/json-guards';
import type { OpenAIChunkDelta, OpenAIFinishReason } from '../anthropic/openai-chat-types';
import { SseDecoder } from '../sse';
import type { SseEvent } from '../sse';
import type { TokenUsage } from '../usage';
import { readGeminiError, toOpenAIErrorFromGemini } from './convert-gemini-error';
import { isBlockedPrompt, readCandidate } from './convert-gemini-response';
import type { CandidateContent } from './convert-gemini-response';
import type { GeminiIds } from './gemini-ids';
import type { OpenAIChunk } from './gemini-types';
import { readGeminiUsage } from './gemini-usage';
import { mapGeminiFinishReason } from './map-gemini-finish-reason';

/** How the OpenAI stream is written. */
export interface GeminiStreamOptions {
  /** `created` of every chunk (seconds). */
  readonly created: number;
  /** The model the client asked for, used until Gemini names its `modelVersion`. */
  readonly model: string;
  /** The client asked for `stream_options.include_usage`: add the usage-only chunk. */
  readonly includeUsage: boolean;
  readonly ids: GeminiIds;
  /** Most bytes of one upstream SSE event (`limits.maxStreamEventBytes`); undefined: the default. */
  readonly maxEventBytes?: number;
}

/** Per-candidate state (a candidate is in the map once its first chunk, with the role, went out). */
interface CandidateState {
  toolCalls: number;
  finished: boolean;
}

const DONE = 'data: [DONE]\n\n';

/**
 * Gemini `streamGenerateContent?alt=sse` → OpenAI `chat.completion.chunk` stream. Each SSE
 * event's data is a whole GenerateContentResponse holding the next piece of each candidate
 * (https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent); function
 * calls arrive complete, so each becomes one whole tool-call delta. `usageMetadata` is
 * cumulative, so the last one seen is kept. Output is written per complete event, so any
 * split of the body gives the same bytes; the stream always ends with `data: [DONE]`, after
 * an error event when Gemini sent an error or the stream stopped before every candidate finished.
 */
export class GeminiStreamToOpenAI {
  private readonly decoder: SseDecoder;
  private readonly candidates = new Map<number, CandidateState>();
  private lastUsage: unknown;
  private id: string | undefined;
  private model: string;
  private done = false;

  constructor(private readonly options: GeminiStreamOptions) {
    this.model = options.model;
    this.decoder = new SseDecoder({ maxEventBytes: options.maxEventBytes });
  }

  /** Feeds a body chunk; returns the OpenAI bytes it completes (possibly none). */
  push(chunk: Buffer, endOfStream: boolean): Buffer {
    const events = this.decoder.push(chunk);
    const last = endOfStream ? this.decoder.finish() : undefined;
    if (last) events.push(last);
    const out: string[] = [];
    events.forEach((event, index) => {
      // The finish() event may be cut off mid-JSON: that is an early end, reported below.
      if (!this.done) this.handle(event, out, last !== undefined && index === events.length - 1);
    });
    if (endOfStream && !this.done) this.end(out);
    return Buffer.from(out.join(''), 'utf8');
  }

  /** Usage read so far; undefined until an event brought usageMetadata. */
  usage(): TokenUsage | undefined {
    return readGeminiUsage(this.lastUsage);
  }

  private handle(sse: SseEvent, out: string[], cutOff: boolean): void {
    if (sse.data === undefined) return; // a comment or an event without data
    const response = parseJson(sse.data);
    if (!isRecord(response)) {
      if (!cutOff) this.fail('upstream sent an unreadable stream event', 'server_error', null, out);
      return;
    }
    const error = readGeminiError(response);
    if (error) {
      const body = toOpenAIErrorFromGemini(error, error.code ?? 500);
      this.fail(body.error.message, body.error.type, body.error.code, out);
      return;
    }
    this.id ??= this.options.ids.completionId(response.responseId);
    if (typeof response.modelVersion === 'string') this.model = response.modelVersion;
    if (isRecord(response.usageMetadata)) this.lastUsage = response.usageMetadata;
    if (isBlockedPrompt(response)) {
      this.candidate(0, { index: 0, text: '', reasoning: '', toolCalls: [], finishReason: 'SAFETY' }, out);
      return;
    }
    const candidates = Array.isArray(response.candidates) ? response.candidates : [];
    candidates.forEach((candidate: unknown, position) => {
      const content = readCandidate(candidate, position, this.options.ids);
      this.candidate(content.index, content, out);
    });
  }

  private candidate(index: number, content: CandidateContent, out: string[]): void {
    let state = this.candidates.get(index);
    const delta: OpenAIChunkDelta = {};
    if (state === undefined) {
      state = { toolCalls: 0, finished: false };
      this.candidates.set(index, state);
      // OpenAI's first delta of each choice names the role.
      delta.role = 'assistant';
    }
    if (state.finished) return;
    if (content.text !== '') delta.content = content.text;
    if (content.reasoning !== '') delta.reasoning_content = content.reasoning;
    if (content.toolCalls.length > 0) {
      const first = state.toolCalls;
      delta.tool_calls = content.toolCalls.map((call, offset) => ({ index: first + offset, ...call }));
      state.toolCalls += content.toolCalls.length;
    }
    if (Object.keys(delta).length > 0) out.push(this.chunk(index, delta, null));
    if (content.finishReason !== undefined && content.finishReason !== null) {
      state.finished = true;
      out.push(this.chunk(index, {}, mapGeminiFinishReason(content.finishReason, state.toolCalls > 0)));
    }
  }

  /** End of the body: complete when every candidate seen has finished, else an early end. */
  private end(out: string[]): void {
    const states = [...this.candidates.values()];
    if (states.length === 0 || states.some((state) => !state.finished)) {
      this.fail('upstream stream ended early', 'server_error', null, out);
      return;
    }
    const usage = this.usage();
    if (this.options.includeUsage && usage) {
      const usageChunk: OpenAIChunk = { ...this.head(), choices: [], usage: toOpenAIUsage(usage) };
      out.push(`data: ${JSON.stringify(usageChunk)}\n\n`);
    }
    out.push(DONE);
    this.done = true;
  }

  /** An OpenAI-style error event then [DONE]: OpenAI clients raise it instead of taking a cut answer as whole. */
  private fail(message: string, type: string, code: string | null, out: string[]): void {
    out.push(`data: ${JSON.stringify({ error: { message, type, param: null, code } })}\n\n`, DONE);
    this.done = true;
  }

  private head(): Omit<OpenAIChunk, 'choices'> {
    const id = this.id ?? this.options.ids.completionId(undefined);
    return { id, object: 'chat.completion.chunk', created: this.options.created, model: this.model, system_fingerprint: null };
  }

  private chunk(index: number, delta: OpenAIChunkDelta, finishReason: OpenAIFinishReason | null): string {
    const body: OpenAIChunk = {
      ...this.head(),
      choices: [{ index, delta, logprobs: null, finish_reason: finishReason }],
      // OpenAI sends `usage: null` on every chunk but the last when usage was asked for.
      ...(this.options.includeUsage ? { usage: null } : {}),
    };
    return `data: ${JSON.stringify(body)}\n\n`;
  }
}
