import { SseDecoder } from '../sse';
import type { SseEvent } from '../sse';
import type { TokenUsage } from '../usage';
import type { AnthropicStreamEvent } from './anthropic-types';
import { toOpenAIError } from './convert-anthropic-error';
import { completionId } from './convert-anthropic-response';
import { emptyCounts, readAnthropicUsage, toOpenAIUsage, toTokenUsage } from './convert-anthropic-usage';
import { isRecord, parseJson } from './json-guards';
import { mapAnthropicFinishReason } from './map-anthropic-finish-reason';
import type { OpenAIChatCompletionChunk, OpenAIChunkDelta, OpenAIFinishReason } from './openai-chat-types';

/** How the OpenAI stream is written. */
export interface StreamOptions {
  /** `created` of every chunk (seconds). */
  readonly created: number;
  /** The client asked for `stream_options.include_usage`: add the usage-only chunk. */
  readonly includeUsage: boolean;
  /** Most bytes of one upstream SSE event (`limits.maxStreamEventBytes`); undefined: the default. */
  readonly maxEventBytes?: number;
}

const DONE = 'data: [DONE]\n\n';

/**
 * Anthropic Messages stream → OpenAI `chat.completion.chunk` stream, event by event
 * (https://docs.anthropic.com/en/docs/build-with-claude/streaming). Body chunks may split
 * anywhere; output is written per complete event, so any split gives the same bytes. The
 * stream always ends with `data: [DONE]`, after an error event when the upstream failed or
 * stopped early: never a silent truncation.
 */
export class AnthropicStreamToOpenAI {
  private readonly decoder: SseDecoder;
  private readonly counts = emptyCounts();
  private sawUsage = false;
  private id = completionId(undefined);
  private model = '';
  private stopReason: unknown = null;
  /** Anthropic content block index → OpenAI tool call index (0, 1, … in order of appearance). */
  private readonly toolIndexes = new Map<number, number>();
  private done = false;

  constructor(private readonly options: StreamOptions) {
    this.decoder = new SseDecoder({ maxEventBytes: options.maxEventBytes });
  }

  /** Feeds a body chunk; returns the OpenAI bytes it completes (possibly none). */
  push(chunk: Buffer, endOfStream: boolean): Buffer {
    const events = this.decoder.push(chunk);
    const last = endOfStream ? this.decoder.finish() : undefined;
    if (last) events.push(last);
    const out: string[] = [];
    events.forEach((event, index) => {
      // The finish() event may be cut off mid-JSON: that is an early end, reported as one below.
      if (!this.done) this.handle(event, out, last !== undefined && index === events.length - 1);
    });
    if (endOfStream && !this.done) this.fail('upstream stream ended early', 'server_error', null, out);
    return Buffer.from(out.join(''), 'utf8');
  }

  /** Usage read so far; undefined until message_start brought some. */
  usage(): TokenUsage | undefined {
    return this.sawUsage ? toTokenUsage(this.counts) : undefined;
  }

  private handle(sse: SseEvent, out: string[], cutOff: boolean): void {
    if (sse.data === undefined) return; // a comment or an event without data
    const parsed = parseJson(sse.data);
    if (!isRecord(parsed)) {
      if (!cutOff) this.fail('upstream sent an unreadable stream event', 'server_error', null, out);
      return;
    }
    const event = parsed as AnthropicStreamEvent;
    switch (event.type) {
      case 'message_start':
        this.id = completionId(event.message?.id);
        this.model = typeof event.message?.model === 'string' ? event.message.model : '';
        this.readUsage(event.message?.usage);
        out.push(this.chunk({ role: 'assistant', content: '' }));
        return;
      case 'content_block_start':
        this.blockStart(event, out);
        return;
      case 'content_block_delta':
        this.blockDelta(event, out);
        return;
      case 'message_delta':
        if (event.delta?.stop_reason !== undefined) this.stopReason = event.delta.stop_reason;
        this.readUsage(event.usage);
        return;
      case 'message_stop':
        this.finish(out);
        return;
      case 'error': {
        const type = typeof event.error?.type === 'string' ? event.error.type : 'api_error';
        const message = typeof event.error?.message === 'string' ? event.error.message : 'upstream stream error';
        const body = toOpenAIError(type, message, 500);
        this.fail(body.error.message, body.error.type, body.error.code, out);
        return;
      }
      default:
        // ping, content_block_stop, and event types added later: the streaming guide asks
        // clients to ignore the ones they do not know.
        return;
    }
  }

  private blockStart(event: AnthropicStreamEvent, out: string[]): void {
    const block = event.content_block;
    // Text and thinking blocks start empty; their text comes in deltas.
    if (block?.type !== 'tool_use' || typeof event.index !== 'number') return;
    const index = this.toolIndexes.size;
    this.toolIndexes.set(event.index, index);
    const id = typeof block.id === 'string' ? block.id : '';
    const name = typeof block.name === 'string' ? block.name : '';
    out.push(this.chunk({ tool_calls: [{ index, id, type: 'function', function: { name, arguments: '' } }] }));
  }

  private blockDelta(event: AnthropicStreamEvent, out: string[]): void {
    const delta = event.delta;
    if (delta?.type === 'text_delta' && typeof delta.text === 'string' && delta.text !== '') {
      out.push(this.chunk({ content: delta.text }));
    } else if (delta?.type === 'thinking_delta' && typeof delta.thinking === 'string' && delta.thinking !== '') {
      out.push(this.chunk({ reasoning_content: delta.thinking }));
    } else if (delta?.type === 'input_json_delta' && typeof delta.partial_json === 'string' && delta.partial_json !== '') {
      const index = typeof event.index === 'number' ? this.toolIndexes.get(event.index) : undefined;
      if (index !== undefined) out.push(this.chunk({ tool_calls: [{ index, function: { arguments: delta.partial_json } }] }));
    }
    // signature_delta and citations_delta have no OpenAI counterpart.
  }

  private finish(out: string[]): void {
    out.push(this.chunk({}, mapAnthropicFinishReason(this.stopReason)));
    if (this.options.includeUsage && this.sawUsage) {
      const usageChunk: OpenAIChatCompletionChunk = { ...this.head(), choices: [], usage: toOpenAIUsage(toTokenUsage(this.counts)) };
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

  private readUsage(usage: unknown): void {
    if (readAnthropicUsage(usage, this.counts)) this.sawUsage = true;
  }

  private head(): Omit<OpenAIChatCompletionChunk, 'choices'> {
    return { id: this.id, object: 'chat.completion.chunk', created: this.options.created, model: this.model, system_fingerprint: null };
  }

  private chunk(delta: OpenAIChunkDelta, finishReason: OpenAIFinishReason | null = null): string {
    const body: OpenAIChatCompletionChunk = {
      ...this.head(),
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      // OpenAI sends `usage: null` on every chunk but the last when usage was asked for.
      ...(this.options.includeUsage ? { usage: null } : {}),
    };
    return `data: ${JSON.stringify(body)}\n\n`;
  }
}
