import { EventStreamCodec } from '@smithy/eventstream-codec';
import type { Message } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { ByteTail } from '../byte-tail';
import { DEFAULT_MAX_STREAM_EVENT_BYTES, StreamLimitError } from '../stream-limits';

const EMPTY = Buffer.alloc(0);
/** Prelude (total length, headers length, prelude CRC) plus the message CRC: the smallest frame. */
const MINIMUM_FRAME_BYTES = 16;
/** AWS caps event stream messages at 16 MiB; a bigger length means the stream is corrupt. */
const MAXIMUM_FRAME_BYTES = 16 * 1024 * 1024;

/** One decoded frame: string headers only (Bedrock sends no others we read), payload as text. */
export interface EventStreamFrame {
  readonly headers: Readonly<Record<string, string>>;
  readonly payload: string;
}

/** Thrown for bytes that are not an event stream: a bad length or a CRC mismatch. */
export class EventStreamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EventStreamError';
  }
}

function toFrame(message: Message): EventStreamFrame {
  const headers: Record<string, string> = {};
  for (const [name, header] of Object.entries(message.headers)) {
    if (header.type === 'string') headers[name] = header.value;
  }
  return { headers, payload: Buffer.from(message.body).toString('utf8') };
}

/** How much an EventStreamDecoder may hold. */
export interface EventStreamDecoderOptions {
  /** Most bytes of one frame, as its prelude declares them (`limits.maxStreamEventBytes`). */
  readonly maxFrameBytes?: number;
}

/**
 * An incremental decoder of the AWS event stream encoding
 * (https://docs.aws.amazon.com/transcribe/latest/dg/streaming-setting-up.html#streaming-event-stream):
 * each frame starts with its 4-byte big-endian total length, so bytes are kept until a frame is
 * whole, then `EventStreamCodec.decode` checks both CRCs and reads it. Chunks may split
 * frames anywhere, headers and lengths included.
 *
 * A frame split across chunks is collected in a ByteTail (linear in its size however small
 * the chunks); a length over `maxFrameBytes` throws StreamLimitError as soon as the four
 * length bytes are in, before anything of the frame is held.
 */
export class EventStreamDecoder {
  private readonly codec = new EventStreamCodec(toUtf8, fromUtf8);
  private readonly maxFrameBytes: number;
  /** The first bytes of a frame whose length is not yet known (fewer than four). */
  private prelude: Buffer = EMPTY;
  /** The declared length of the frame being collected in `tail`; 0 while none is. */
  private expected = 0;
  private readonly tail: ByteTail;

  constructor(options: EventStreamDecoderOptions = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_STREAM_EVENT_BYTES;
    this.tail = new ByteTail(this.maxFrameBytes);
  }

  /** Feeds bytes; returns the frames they complete. Throws EventStreamError on corrupt input, StreamLimitError on a frame over the limit. */
  push(chunk: Buffer): EventStreamFrame[] {
    const frames: EventStreamFrame[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      if (this.expected === 0) {
        if (this.prelude.length === 0 && chunk.length - offset >= 4) {
          const total = this.checkedLength(chunk.readUInt32BE(offset));
          if (chunk.length - offset >= total) {
            // The common case: a whole frame inside the chunk, decoded where it is.
            frames.push(this.decode(chunk.subarray(offset, offset + total)));
            offset += total;
            continue;
          }
          this.expected = total;
        } else {
          const taken = Math.min(4 - this.prelude.length, chunk.length - offset);
          this.prelude = Buffer.concat([this.prelude, chunk.subarray(offset, offset + taken)]);
          offset += taken;
          if (this.prelude.length < 4) break;
          this.expected = this.checkedLength(this.prelude.readUInt32BE(0));
          this.tail.append(this.prelude);
          this.prelude = EMPTY;
        }
      }
      const end = Math.min(chunk.length, offset + this.expected - this.tail.length);
      this.tail.append(chunk.subarray(offset, end));
      offset = end;
      if (this.tail.length === this.expected) {
        this.expected = 0;
        frames.push(this.decode(this.tail.take(EMPTY)));
      }
    }
    return frames;
  }

  /** Bytes of an incomplete frame still held: non-zero at the end of the body means it was cut off. */
  pendingBytes(): number {
    return this.prelude.length + this.tail.length;
  }

  /** A frame's declared length, refused when corrupt (EventStreamError) or over the limit (StreamLimitError). */
  private checkedLength(total: number): number {
    if (total < MINIMUM_FRAME_BYTES || total > MAXIMUM_FRAME_BYTES) throw new EventStreamError(`invalid event stream frame length ${total}`);
    if (total > this.maxFrameBytes) throw new StreamLimitError('maxStreamEventBytes', this.maxFrameBytes);
    return total;
  }

  private decode(frame: Buffer): EventStreamFrame {
    try {
      return toFrame(this.codec.decode(frame));
    } catch (error) {
      throw new EventStreamError(`unreadable event stream frame: ${(error as Error).message}`);
    }
  }
}

/** Encodes a frame with string headers and a text payload (for the fake provider and tests). */
export function encodeEventStreamFrame(headers: Readonly<Record<string, string>>, payload: string): Buffer {
  const codec = new EventStreamCodec(toUtf8, fromUtf8);
  const typed: Message['headers'] = {};
  for (const [name, value] of Object.entries(headers)) typed[name] = { type: 'string', value };
  return Buffer.from(codec.encode({ headers: typed, body: fromUtf8(payload) }));
}
