import { ByteTail } from './byte-tail';
import { DEFAULT_MAX_STREAM_EVENT_BYTES, StreamLimitError } from './stream-limits';

/** One server-sent event, with the exact bytes it arrived as. */
export interface SseEvent {
  /** The event's bytes, including its terminating blank line, for pass-through. */
  readonly raw: Buffer;
  /** `data` lines joined with "\n"; undefined for an event with no data (e.g. a `: ping` comment). */
  readonly data?: string;
  readonly event?: string;
  readonly id?: string;
  /** A line of the event is no SSE field (`data`, `event`, `id`, `retry`) nor a comment: clients ignore it, a guard cannot read it. */
  readonly unknownField?: boolean;
}

/** How much an SseDecoder may hold. */
export interface SseDecoderOptions {
  /** Most bytes of one event, its blank line included (`limits.maxStreamEventBytes`). */
  readonly maxEventBytes?: number;
}

const LF = 0x0a;
const CR = 0x0d;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const EMPTY = Buffer.alloc(0);
const LINE_END = /\r\n|\r|\n/;

/**
 * Incremental SSE decoder (https://html.spec.whatwg.org/multipage/server-sent-events.html).
 * Body chunks may split anywhere — inside a line, a CRLF pair or a UTF-8 character — so
 * the unfinished event is kept as bytes and decoded only once whole.
 * Accepts LF, CRLF and CR line endings, `data:` with or without a space, and comments.
 *
 * Each byte is scanned for line ends once (by indexOf) when it arrives and once more when
 * its event is parsed, and copied into the held tail and the event's `raw`: an event arriving
 * in many small chunks costs time linear in its size. An unfinished event is held as its
 * bytes alone, and one longer than `maxEventBytes` throws StreamLimitError before it is held.
 */
export class SseDecoder {
  private readonly maxEventBytes: number;
  /** The unfinished event's bytes so far. */
  private readonly tail: ByteTail;
  /** `tail` ends inside a line (a blank line can then not end there). */
  private lineOpen = false;
  /** The last line ended with a CR at the end of a chunk: an LF opening the next one belongs to it. */
  private skipLineFeed = false;
  /**
   * The held event is complete, but its blank line ended with a CR at the end of a chunk:
   * it is sent once the next chunk shows whether an LF (part of its raw bytes) follows.
   */
  private complete = false;
  /** Bytes before the first three, while they could still be a byte order mark. */
  private head: Buffer | undefined = Buffer.alloc(0);

  constructor(options: SseDecoderOptions = {}) {
    this.maxEventBytes = options.maxEventBytes ?? DEFAULT_MAX_STREAM_EVENT_BYTES;
    this.tail = new ByteTail(this.maxEventBytes);
  }

  /** Feeds a chunk; returns the events it completed. Throws StreamLimitError for an event over the limit. */
  push(input: Buffer): SseEvent[] {
    const chunk = this.afterByteOrderMark(input);
    if (chunk === undefined || chunk.length === 0) return [];
    const events: SseEvent[] = [];
    // Where the unfinished event and line start in `chunk`; both may have begun in `tail`.
    let index = 0;
    let eventStart = 0;
    if (this.complete) {
      index = eventStart = chunk[0] === LF ? 1 : 0;
      events.push(this.emit(chunk, 0, index));
    } else if (this.skipLineFeed && chunk[0] === LF) {
      index = 1; // the second half of a CRLF: part of the held event, not a line of its own
    }
    this.skipLineFeed = false;
    let lineStart = index;
    let lineInTail = this.lineOpen;
    // The next LF and CR at or after `index` (memchr through indexOf), each searched again only
    // once passed, and never again once absent: every byte is looked at once per kind.
    let nextLineFeed = -2;
    let nextCarriageReturn = -2;
    while (index < chunk.length) {
      if (nextLineFeed !== -1 && nextLineFeed < index) nextLineFeed = chunk.indexOf(LF, index);
      if (nextCarriageReturn !== -1 && nextCarriageReturn < index) nextCarriageReturn = chunk.indexOf(CR, index);
      if (nextLineFeed === -1 && nextCarriageReturn === -1) break;
      const lineEnd = nextLineFeed === -1 ? nextCarriageReturn : nextCarriageReturn === -1 ? nextLineFeed : Math.min(nextLineFeed, nextCarriageReturn);
      const isCarriageReturn = chunk[lineEnd] === CR;
      index = lineEnd + (isCarriageReturn && chunk[lineEnd + 1] === LF ? 2 : 1);
      const atChunkEnd = isCarriageReturn && lineEnd + 1 === chunk.length;
      if (atChunkEnd) this.skipLineFeed = true;
      if (lineEnd === lineStart && !lineInTail) {
        // A blank line ends the event; one ending in a CR at the end of the chunk may be the
        // first half of CRLF, whose LF belongs to this event: wait for the next chunk.
        if (atChunkEnd) this.complete = true;
        else {
          events.push(this.emit(chunk, eventStart, index));
          eventStart = index;
        }
      }
      lineStart = index;
      lineInTail = false;
    }
    this.hold(chunk, eventStart, lineInTail || lineStart < chunk.length);
    return events;
  }

  /** At end of stream: whatever was not terminated by a blank line, as a last event (or none). */
  finish(): SseEvent | undefined {
    if (this.head !== undefined && this.head.length > 0) {
      // Fewer than three bytes came, all a byte order mark's beginning: the spec's decoder
      // would read them as text.
      this.tail.append(this.head);
      this.head = undefined;
    }
    if (this.tail.length === 0) return undefined;
    const event = parseEvent(this.tail.take(EMPTY));
    this.reset();
    return event;
  }

  /** Bytes held back waiting for the rest of an event. */
  get pendingBytes(): number {
    return this.tail.length + (this.head?.length ?? 0);
  }

  /** The spec drops one leading UTF-8 BOM; undefined while three bytes have not yet decided whether there is one. */
  private afterByteOrderMark(chunk: Buffer): Buffer | undefined {
    if (this.head === undefined) return chunk;
    const start = this.head.length === 0 ? chunk : Buffer.concat([this.head, chunk]);
    if (start.length < 3 && BOM.subarray(0, start.length).equals(start)) {
      this.head = Buffer.from(start);
      return undefined;
    }
    this.head = undefined;
    return start.subarray(0, 3).equals(BOM) ? start.subarray(3) : start;
  }

  /** The held event and `chunk[from, to)` as one event; the decoder then starts a new one. */
  private emit(chunk: Buffer, from: number, to: number): SseEvent {
    if (this.tail.length + to - from > this.maxEventBytes) throw new StreamLimitError('maxStreamEventBytes', this.maxEventBytes);
    const raw = this.tail.length > 0 ? this.tail.take(chunk.subarray(from, to)) : Buffer.from(chunk.subarray(from, to));
    this.reset();
    return parseEvent(raw);
  }

  /** Keeps the unfinished event (`chunk` from `eventStart`) for the next chunk, if it fits. */
  private hold(chunk: Buffer, eventStart: number, lineOpen: boolean): void {
    if (eventStart === chunk.length) return;
    if (this.tail.length + chunk.length - eventStart > this.maxEventBytes) throw new StreamLimitError('maxStreamEventBytes', this.maxEventBytes);
    this.tail.append(chunk.subarray(eventStart));
    this.lineOpen = lineOpen;
  }

  private reset(): void {
    this.lineOpen = false;
    this.complete = false;
  }
}

/**
 * One event's fields from its bytes (which own `raw`). UTF-8 never encodes CR or LF inside
 * another character, so the whole event is decoded at once and then split into lines; the
 * only empty lines are the blank one that ended it (or none, at the end of a stream).
 */
function parseEvent(raw: Buffer): SseEvent {
  let data: string[] | undefined;
  let event: string | undefined;
  let id: string | undefined;
  let unknownField = false;
  for (const line of raw.toString('utf8').split(LINE_END)) {
    if (line === '' || line.startsWith(':')) continue; // the blank line; a comment
    const colon = line.indexOf(':');
    const name = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (name === 'data') (data ??= []).push(value);
    else if (name === 'event') event = value;
    else if (name === 'id') id = value;
    else if (name !== 'retry') unknownField = true;
  }
  return { raw, data: data?.join('\n'), event, id, unknownField };
}

/** `event` as its bytes with `data` in place of its data; its `event` and `id` fields are kept (comments and `retry` are not). */
export function withEventData(event: SseEvent, data: string): Buffer {
  const fields = (event.event === undefined ? '' : `event: ${event.event}\n`) + (event.id === undefined ? '' : `id: ${event.id}\n`);
  return Buffer.from(`${fields}data: ${data}\n\n`, 'utf8');
}
