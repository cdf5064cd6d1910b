/** One server-sent event, with the exact bytes it arrived as. */
export interface SseEvent {
  /** The event's bytes, including its terminating blank line, for pass-through. */
  readonly raw: Buffer;
  /** `data` lines joined with "\n"; undefined for an event with no data (e.g. a `: ping` comment). */
  readonly data?: string;
  readonly event?: string;
  readonly id?: string;
}

const LF = 0x0a;
const CR = 0x0d;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Incremental SSE decoder (https://html.spec.whatwg.org/multipage/server-sent-events.html).
 * Body chunks may split anywhere — inside a line, a CRLF pair or a UTF-8 character — so
 * the unfinished tail is kept as bytes and lines are decoded only once complete.
 * Accepts LF, CRLF and CR line endings, `data:` with or without a space, and comments.
 */
export class SseDecoder {
  private pending: Buffer = Buffer.alloc(0);
  private started = false;

  /** Feeds a chunk; returns the events it completed. */
  push(chunk: Buffer): SseEvent[] {
    let buffer = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    if (!this.started) {
      // The spec drops one leading UTF-8 BOM; wait until three bytes decide whether there is one.
      if (buffer.length < 3 && BOM.subarray(0, buffer.length).equals(buffer)) {
        this.pending = Buffer.from(buffer);
        return [];
      }
      this.started = true;
      if (buffer.subarray(0, 3).equals(BOM)) buffer = buffer.subarray(3);
    }
    const events: SseEvent[] = [];
    let eventStart = 0;
    let lineStart = 0;
    let fields = new EventFields();
    let index = 0;
    while (index < buffer.length) {
      const byte = buffer[index];
      if (byte !== LF && byte !== CR) {
        index++;
        continue;
      }
      // A CR at the very end may be the first half of CRLF: wait for the next chunk.
      if (byte === CR && index + 1 === buffer.length) break;
      const lineEnd = index;
      index += byte === CR && buffer[index + 1] === LF ? 2 : 1;
      if (lineEnd === lineStart) {
        events.push(fields.toEvent(buffer.subarray(eventStart, index)));
        fields = new EventFields();
        eventStart = index;
      } else {
        fields.addLine(buffer.toString('utf8', lineStart, lineEnd));
      }
      lineStart = index;
    }
    this.pending = Buffer.from(buffer.subarray(eventStart));
    return events;
  }

  /** At end of stream: whatever was not terminated by a blank line, as a last event (or none). */
  finish(): SseEvent | undefined {
    if (this.pending.length === 0) return undefined;
    const rest = this.pending;
    this.pending = Buffer.alloc(0);
    const fields = new EventFields();
    for (const line of rest.toString('utf8').split(/\r\n|\r|\n/)) {
      if (line) fields.addLine(line);
    }
    return fields.toEvent(rest);
  }

  /** Bytes held back waiting for the rest of an event. */
  get pendingBytes(): number {
    return this.pending.length;
  }
}

class EventFields {
  private data: string[] | undefined;
  private event: string | undefined;
  private id: string | undefined;

  addLine(line: string): void {
    if (line.startsWith(':')) return; // comment
    const colon = line.indexOf(':');
    const name = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (name === 'data') (this.data ??= []).push(value);
    else if (name === 'event') this.event = value;
    else if (name === 'id') this.id = value;
  }

  toEvent(raw: Buffer): SseEvent {
    return { raw: Buffer.from(raw), data: this.data?.join('\n'), event: this.event, id: this.id };
  }
}
