import { mapDecoded } from './json-text';
import { rewriteJsonText } from './json-text-channel';
import { mapResponseTexts, mapResponsesOutputItem } from './response-texts';
import { isObject, namedEvent } from './stream-texts';
import type { EventEdit, JsonObject, StreamEvents, StreamTexts } from './stream-texts';

/** A delta event, the event that closes its text, and where that one repeats the text whole. */
interface TextEvents {
  readonly done: string;
  /** The field that tells parts of one item apart, if any. */
  readonly index?: 'content_index' | 'summary_index';
  /** The text is JSON (tool arguments), checked by value. */
  readonly json?: boolean;
  readonly whole: string;
}

const DELTAS: Readonly<Record<string, TextEvents>> = {
  'response.output_text.delta': { done: 'response.output_text.done', index: 'content_index', whole: 'text' },
  'response.refusal.delta': { done: 'response.refusal.done', index: 'content_index', whole: 'refusal' },
  'response.reasoning_summary_text.delta': { done: 'response.reasoning_summary_text.done', index: 'summary_index', whole: 'text' },
  'response.reasoning_text.delta': { done: 'response.reasoning_text.done', index: 'content_index', whole: 'text' },
  'response.function_call_arguments.delta': { done: 'response.function_call_arguments.done', json: true, whole: 'arguments' },
  'response.mcp_call_arguments.delta': { done: 'response.mcp_call_arguments.done', json: true, whole: 'arguments' },
  'response.custom_tool_call_input.delta': { done: 'response.custom_tool_call_input.done', whole: 'input' },
};
const DONE = new Map(Object.entries(DELTAS).map(([delta, events]) => [events.done, delta]));

/** Events that carry whole parts, output items or the whole response. */
const PARTS = new Set(['response.content_part.added', 'response.content_part.done', 'response.reasoning_summary_part.added', 'response.reasoning_summary_part.done']);
const ITEMS = new Set(['response.output_item.added', 'response.output_item.done']);
const RESPONSES = new Set(['response.created', 'response.in_progress', 'response.completed', 'response.incomplete', 'response.failed']);

/**
 * Responses API events: the deltas of output text, refusals, reasoning summaries and
 * reasoning text, custom tool input and function/MCP call arguments (JSON text, checked by
 * value) through channels; what a channel holds goes out as one more delta before its
 * `*.done` (later `sequence_number`s move up by one). The whole texts repeated in `*.done`,
 * parts, output items and the response itself are redacted the same way (uncounted; a block
 * still blocks).
 */
export class ResponsesStreamEvents implements StreamEvents {
  /** Events added so far, to keep sequence numbers increasing by one. */
  private inserted = 0;
  /** Per open channel, the delta event that carries its held text. */
  private readonly templates = new Map<string, JsonObject>();

  constructor(private readonly texts: StreamTexts) {}

  reads(): boolean {
    return true;
  }

  event(name: string | undefined, data: JsonObject, edit: EventEdit): string {
    const type = name ?? '';
    const recheck = this.texts.recheck;
    let before = '';
    const delta = DELTAS[type];
    const closed = DONE.get(type);
    if (delta && typeof data.delta === 'string') {
      const key = this.key(type, delta, data);
      if (!this.templates.has(key)) this.templates.set(key, { type, item_id: data.item_id, output_index: data.output_index, ...(delta.index ? { [delta.index]: data[delta.index] } : {}) });
      edit.set(data, 'delta', delta.json ? this.texts.json(key, data.delta) : this.texts.text(key, data.delta));
    } else if (closed !== undefined) {
      const events = DELTAS[closed];
      const key = this.key(closed, events, data);
      const rest = this.texts.take(key);
      const template = this.templates.get(key);
      this.templates.delete(key);
      if (rest && template) before = this.insertedEvent({ ...template, delta: rest, sequence_number: data.sequence_number });
      const whole = data[events.whole];
      if (typeof whole === 'string') edit.set(data, events.whole, events.json ? rewriteJsonText(whole, recheck) : recheck(whole));
    } else if (PARTS.has(type) && isObject(data.part)) {
      for (const field of ['text', 'refusal']) if (typeof data.part[field] === 'string') edit.set(data.part, field, recheck(data.part[field]));
    } else if (ITEMS.has(type)) {
      edit.set(data, 'item', mapResponsesOutputItem(data.item, recheck));
    } else if (RESPONSES.has(type) && isObject(data.response)) {
      edit.set(data, 'response', mapResponseTexts('openai-responses', data.response, recheck));
      // A failed response's error may echo the prompt, like any provider error.
      const response = data.response;
      if (isObject(response) && isObject(response.error)) edit.set(response, 'error', mapDecoded(response.error, (text) => this.texts.whole(text)));
    }
    if (typeof data.sequence_number === 'number' && this.inserted > 0) edit.set(data, 'sequence_number', data.sequence_number + this.inserted);
    return before;
  }

  end(): string {
    let out = '';
    for (const key of this.texts.keys()) {
      const rest = this.texts.take(key);
      const template = this.templates.get(key);
      if (rest && template) out += this.insertedEvent({ ...template, delta: rest });
    }
    return out;
  }

  private key(type: string, events: TextEvents, data: JsonObject): string {
    return `${type}|${String(data.item_id)}|${events.index ? String(data[events.index] ?? 0) : ''}`;
  }

  /** An event the guard adds; later events' sequence numbers move up by one. */
  private insertedEvent(data: JsonObject): string {
    if (typeof data.sequence_number === 'number') data.sequence_number += this.inserted;
    this.inserted++;
    return namedEvent(String(data.type), data);
  }
}
