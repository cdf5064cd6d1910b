import type { ClientApi } from '../api/client-request';
import { SseDecoder } from '../providers/sse';
import { MAX_STREAM_EVENT_BYTES_CEILING } from '../providers/stream-limits';
import type { SseEvent } from '../providers/sse';
import { mapDecoded } from './json-text';
import type { TextChannel } from './text-channel';
import { mapArguments, mapResponsesOutputItem, mapResponseTexts } from './texts';
import type { TextFn } from './texts';

/**
 * Response guardrails on a stream, in the format the client receives (after translation):
 * OpenAI chat chunks, Anthropic Messages events or Responses API events. Each text stream
 * (a choice's content, a content block, a tool call's arguments) goes through a TextChannel;
 * what a channel holds back is sent in the event that ends it (or, where that event cannot
 * carry text, in one more delta event just before it). Whole texts repeated in closing
 * events (Responses' `*.done`, `response.completed`) are redacted the same way, uncounted.
 */

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What a stream guard needs from the request's guardrail run. */
export interface StreamGuardHooks {
  /** A new channel for the response direction. */
  channel(): TextChannel;
  /** Redacts a whole text already checked in its deltas (not counted again). */
  recheck: TextFn;
  /** The error event that ends a blocked stream, in the client's format. */
  blockedEvent(error: Error): string;
  /** An event the guard cannot read (data that is no JSON object, a line that is no SSE field): may throw to end the stream. */
  unreadable?(why: string): void;
}

export class StreamGuard {
  /**
   * Reads the translator's output, whose events the translator's own decoder already held to
   * the configured limits.maxStreamEventBytes; the ceiling, not the default, so a configured
   * limit above the default is not refused here a second time.
   */
  private readonly decoder = new SseDecoder({ maxEventBytes: MAX_STREAM_EVENT_BYTES_CEILING });
  private readonly channels = new Map<string, TextChannel>();
  private blocked = false;
  /** Responses API: events added so far, to keep sequence numbers increasing by one. */
  private inserted = 0;
  /** Whether the handler of the current event changed it (else its original bytes go out). */
  private dirty = false;
  /** OpenAI chat: the last chunk, to build a chunk for text still held at [DONE]. */
  private lastChunk: JsonObject | undefined;

  constructor(
    private readonly api: ClientApi,
    private readonly hooks: StreamGuardHooks,
  ) {}

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
      if (endOfStream) out += this.flushAll();
    } catch (error) {
      // A block: what was already checked goes out, then the error event, then nothing.
      this.blocked = true;
      out += this.hooks.blockedEvent(error as Error);
    }
    return Buffer.from(out, 'utf8');
  }

  private channel(key: string): TextChannel {
    let channel = this.channels.get(key);
    if (!channel) this.channels.set(key, (channel = this.hooks.channel()));
    return channel;
  }

  private take(key: string): string {
    const channel = this.channels.get(key);
    if (!channel) return '';
    this.channels.delete(key);
    return channel.flush();
  }

  private rewrite(event: SseEvent): string {
    if (event.unknownField) this.hooks.unreadable?.('a line of its stream is no SSE field');
    // No data, or empty data (a keep-alive): nothing to read.
    if (event.data === undefined || event.data.trim() === '') return event.raw.toString('utf8');
    if (this.api === 'openai-chat' && event.data.trim() === '[DONE]') return this.closeChat() + event.raw.toString('utf8');
    // Anthropic names its events: only deltas carry text and only a block's end releases held text.
    if (this.api === 'anthropic-messages' && event.event !== undefined && event.event !== 'content_block_delta' && event.event !== 'content_block_stop' && event.event !== 'error') return event.raw.toString('utf8');
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
    // Handlers change `data` in place (through set) and return events to send before it; an
    // event they left as it was goes out as its original bytes, not re-serialized.
    this.dirty = false;
    let before: string;
    let name: string | undefined;
    switch (this.api) {
      case 'openai-chat':
        before = this.chat(data);
        break;
      case 'anthropic-messages':
        name = event.event ?? String(data.type);
        before = this.anthropic(name, data);
        break;
      case 'openai-responses':
        name = event.event ?? String(data.type);
        before = this.responses(name, data);
        break;
      default:
        return event.raw.toString('utf8');
    }
    if (!this.dirty) return before + event.raw.toString('utf8');
    return before + (name === undefined ? dataEvent(data) : namedEvent(name, data));
  }

  /** An error event with every string and key in it checked as one whole text each. */
  private checkedError(event: SseEvent, data: JsonObject): string {
    const checked = mapDecoded(data, (text) => this.checkedWhole(text));
    if (checked === data) return event.raw.toString('utf8');
    return event.event === undefined ? dataEvent(checked) : namedEvent(event.event, checked);
  }

  /** A whole text through a channel of its own: counted, redacted, or a block thrown. */
  private checkedWhole(text: string): string {
    const channel = this.hooks.channel();
    return channel.push(text) + channel.flush();
  }

  /** Sets a field, noting whether the event changed. */
  private set(target: JsonObject, key: string, value: unknown): void {
    if (target[key] === value) return;
    target[key] = value;
    this.dirty = true;
  }

  private chat(chunk: JsonObject): string {
    if (!Array.isArray(chunk.choices)) return '';
    this.lastChunk = chunk;
    for (const choice of chunk.choices) {
      if (!isObject(choice) || !isObject(choice.delta)) continue;
      const index = Number(choice.index ?? 0);
      const delta = choice.delta;
      const final = choice.finish_reason !== null && choice.finish_reason !== undefined;
      for (const field of ['content', 'refusal', 'reasoning_content'] as const) {
        const key = `${index}/${field}`;
        if (typeof delta[field] === 'string') this.set(delta, field, this.channel(key).push(delta[field]));
        const rest = final ? this.take(key) : '';
        if (rest) this.set(delta, field, (typeof delta[field] === 'string' ? delta[field] : '') + rest);
      }
      const calls = Array.isArray(delta.tool_calls) ? delta.tool_calls : [];
      for (const call of calls) {
        if (!isObject(call) || !isObject(call.function) || typeof call.function.arguments !== 'string') continue;
        this.set(call.function, 'arguments', this.channel(`${index}/tool/${String(call.index ?? 0)}`).push(call.function.arguments));
      }
      if (!final) continue;
      for (const key of [...this.channels.keys()].filter((k) => k.startsWith(`${index}/tool/`))) {
        const rest = this.take(key);
        if (!rest) continue;
        calls.push({ index: Number(key.split('/')[2]), function: { arguments: rest } });
        this.dirty = true;
      }
      if (calls.length > 0) this.set(delta, 'tool_calls', calls);
    }
    return '';
  }

  /** At [DONE] (or the end): text still held, in one more chunk like the last one. */
  private closeChat(): string {
    const choices: JsonObject[] = [];
    for (const key of [...this.channels.keys()]) {
      const [index, field, toolIndex] = key.split('/');
      const rest = this.take(key);
      if (!rest) continue;
      const delta = field === 'tool' ? { tool_calls: [{ index: Number(toolIndex), function: { arguments: rest } }] } : { [field]: rest };
      choices.push({ index: Number(index), delta, finish_reason: null });
    }
    if (choices.length === 0) return '';
    const { id, object, created, model } = this.lastChunk ?? {};
    return dataEvent({ id, object: object ?? 'chat.completion.chunk', created, model, choices });
  }

  private anthropic(name: string, data: JsonObject): string {
    const index = data.index ?? 0;
    if (name === 'content_block_delta' && isObject(data.delta)) {
      const delta = data.delta;
      if (delta.type === 'text_delta' && typeof delta.text === 'string') this.set(delta, 'text', this.channel(`${String(index)}/text`).push(delta.text));
      if (delta.type === 'input_json_delta' && typeof delta.partial_json === 'string') this.set(delta, 'partial_json', this.channel(`${String(index)}/json`).push(delta.partial_json));
      return '';
    }
    if (name !== 'content_block_stop') return '';
    const text = this.take(`${String(index)}/text`);
    const json = this.take(`${String(index)}/json`);
    let before = '';
    if (text) before += namedEvent('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text } });
    if (json) before += namedEvent('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: json } });
    return before;
  }

  private responses(name: string, data: JsonObject): string {
    let before = '';
    const recheck = this.hooks.recheck;
    if (name === 'response.output_text.delta' && typeof data.delta === 'string') {
      this.set(data, 'delta', this.channel(`${String(data.item_id)}/${String(data.content_index ?? 0)}/text`).push(data.delta));
    } else if (name === 'response.function_call_arguments.delta' && typeof data.delta === 'string') {
      this.set(data, 'delta', this.channel(`${String(data.item_id)}/args`).push(data.delta));
    } else if (name === 'response.output_text.done') {
      const rest = this.take(`${String(data.item_id)}/${String(data.content_index ?? 0)}/text`);
      if (rest) before = this.insertedEvent({ type: 'response.output_text.delta', item_id: data.item_id, output_index: data.output_index, content_index: data.content_index, delta: rest, sequence_number: data.sequence_number });
      if (typeof data.text === 'string') this.set(data, 'text', recheck(data.text));
    } else if (name === 'response.function_call_arguments.done') {
      const rest = this.take(`${String(data.item_id)}/args`);
      if (rest) before = this.insertedEvent({ type: 'response.function_call_arguments.delta', item_id: data.item_id, output_index: data.output_index, delta: rest, sequence_number: data.sequence_number });
      this.set(data, 'arguments', mapArguments(data.arguments, recheck));
    } else if (name === 'response.content_part.done' && isObject(data.part) && typeof data.part.text === 'string') {
      this.set(data.part, 'text', recheck(data.part.text));
    } else if (name === 'response.output_item.done' || name === 'response.output_item.added') {
      this.set(data, 'item', mapResponsesOutputItem(data.item, recheck));
    } else if ((name === 'response.completed' || name === 'response.incomplete' || name === 'response.failed') && isObject(data.response)) {
      this.set(data, 'response', mapResponseTexts('openai-responses', data.response, recheck));
      // A failed response's error may echo the prompt, like any provider error.
      const failed = data.response;
      if (isObject(failed) && isObject(failed.error)) this.set(failed, 'error', mapDecoded(failed.error, (text) => this.checkedWhole(text)));
    }
    if (typeof data.sequence_number === 'number' && this.inserted > 0) this.set(data, 'sequence_number', data.sequence_number + this.inserted);
    return before;
  }

  /** A Responses API event the guard adds; later events' sequence numbers move up by one. */
  private insertedEvent(data: JsonObject): string {
    if (typeof data.sequence_number === 'number') data.sequence_number += this.inserted;
    this.inserted++;
    return namedEvent(String(data.type), data);
  }

  /** End of stream: whatever is still held (a stream cut short still gets its text, checked). */
  private flushAll(): string {
    if (this.api === 'openai-chat') return this.closeChat();
    let out = '';
    for (const key of [...this.channels.keys()]) {
      const rest = this.take(key);
      if (!rest) continue;
      if (this.api === 'anthropic-messages') {
        const [index, kind] = key.split('/');
        const delta = kind === 'json' ? { type: 'input_json_delta', partial_json: rest } : { type: 'text_delta', text: rest };
        out += namedEvent('content_block_delta', { type: 'content_block_delta', index: Number(index), delta });
      } else {
        const [itemId, second, third] = key.split('/');
        out += this.insertedEvent(
          third === 'text'
            ? { type: 'response.output_text.delta', item_id: itemId, content_index: Number(second), delta: rest }
            : { type: 'response.function_call_arguments.delta', item_id: itemId, delta: rest },
        );
      }
    }
    return out;
  }
}

function dataEvent(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

function namedEvent(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}
