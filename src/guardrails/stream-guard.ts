import { CompletionsStreamEvents } from './stream-guard-completions';
import type { ClientApi } from '../api/client-request';
import { SseDecoder } from '../providers/sse';
import { MAX_STREAM_EVENT_BYTES_CEILING } from '../providers/stream-limits';
import type { SseEvent } from '../providers/sse';
import { mapDecoded } from './json-text';
import { AnthropicStreamEvents } from './stream-guard-anthropic';
import { ChatStreamEvents } from './stream-guard-chat';
import { ResponsesStreamEvents } from './stream-guard-responses';
import { EventEdit, StreamTexts, dataEvent, isObject, namedEvent } from './stream-texts';
import type { JsonObject, StreamEvents, StreamGuardHooks } from './stream-texts';

export type { StreamGuardHooks } from './stream-texts';

/**
 * Response guardrails on a stream, in the format the client receives (after translation):
 * OpenAI chat chunks, Anthropic Messages events or Responses API events. Each text stream
 * (a choice's content or reasoning, a content block's text or thinking, a tool call's
 * arguments, a summary, a refusal) goes through a channel; what a channel holds back is sent
 * in the event that ends it (or, where that event cannot carry text, in one more delta event
 * just before it). Whole texts (a block's start, citations, the texts repeated in closing
 * events) are checked too. Per API, `stream-guard-*.ts` says which fields.
 */
export class StreamGuard {
  /**
   * Reads the translator's output, whose events the translator's own decoder already held to
   * the configured limits.maxStreamEventBytes; the ceiling, not the default, so a configured
   * limit above the default is not refused here a second time.
   */
  private readonly decoder = new SseDecoder({ maxEventBytes: MAX_STREAM_EVENT_BYTES_CEILING });
  private readonly events: StreamEvents | undefined;
  private readonly texts: StreamTexts;
  private blocked = false;

  constructor(
    private readonly api: ClientApi,
    private readonly hooks: StreamGuardHooks,
  ) {
    const texts = (this.texts = new StreamTexts(hooks));
    if (api === 'openai-chat') this.events = new ChatStreamEvents(texts);
    else if (api === 'anthropic-messages') this.events = new AnthropicStreamEvents(texts);
    else if (api === 'openai-responses') this.events = new ResponsesStreamEvents(texts);
    else if (api === 'openai-completions') this.events = new CompletionsStreamEvents(texts);
  }

  /** Bytes to send for this chunk of the client-format stream. */
  push(chunk: Buffer, endOfStream: boolean): Buffer {
    if (this.blocked) return Buffer.alloc(0);
    const events = this.decoder.push(chunk);
    if (endOfStream) {
      const last = this.decoder.finish();
      if (last) events.push(last);
    }
    let out = '';
    try {
      for (const event of events) out += this.rewrite(event);
      if (endOfStream && this.events) out += this.events.end();
    } catch (error) {
      // A block: what was already checked goes out, then the error event, then nothing.
      this.blocked = true;
      out += this.hooks.blockedEvent(error as Error);
    }
    return Buffer.from(out, 'utf8');
  }

  private rewrite(event: SseEvent): string {
    const events = this.events;
    if (!events) return event.raw.toString('utf8');
    if (event.unknownField) this.hooks.unreadable?.('a line of its stream is no SSE field');
    // No data, or empty data (a keep-alive): nothing to read.
    if (event.data === undefined || event.data.trim() === '') return event.raw.toString('utf8');
    if ((this.api === 'openai-chat' || this.api === 'openai-completions') && event.data.trim() === '[DONE]') return events.end() + event.raw.toString('utf8');
    if (event.event !== 'error' && !events.reads(event.event)) return event.raw.toString('utf8');
    let data: unknown;
    try {
      data = JSON.parse(event.data);
    } catch {
      this.hooks.unreadable?.('an event of its stream is not JSON');
      return event.raw.toString('utf8');
    }
    if (!isObject(data)) {
      this.hooks.unreadable?.('an event of its stream is not a JSON object');
      return event.raw.toString('utf8');
    }
    // A provider's error in the stream (any API's shape) may echo the prompt: checked whole, like an error body.
    if (event.event === 'error' || data.type === 'error' || isObject(data.error)) return this.checkedError(event, data);
    // Handlers change `data` in place and return events to send before it; an event they left
    // as it was goes out as its original bytes, not re-serialized.
    const name = this.api === 'openai-chat' || this.api === 'openai-completions' ? undefined : (event.event ?? String(data.type));
    const edit = new EventEdit();
    const before = events.event(name, data, edit);
    if (!edit.changed) return before + event.raw.toString('utf8');
    return before + (name === undefined ? dataEvent(data) : namedEvent(name, data));
  }

  /** An error event with every string and key in it checked as one whole text each. */
  private checkedError(event: SseEvent, data: JsonObject): string {
    const checked = mapDecoded(data, (text) => this.texts.whole(text));
    if (checked === data) return event.raw.toString('utf8');
    return event.event === undefined ? dataEvent(checked) : namedEvent(event.event, checked);
  }
}
