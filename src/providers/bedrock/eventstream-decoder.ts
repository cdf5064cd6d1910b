import { EventStreamCodec } from '@smithy/eventstream-codec';
import type { Message } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';

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

/**
 * An incremental decoder of the AWS event stream encoding
 * (https://docs.aws.amazon.com/transcribe/latest/dg/streaming-setting-up.html#streaming-event-stream):
 * each frame starts with its 4-byte big-endian total length, so bytes are kept until a frame is
 * whole, then `EventStreamCodec.decode` checks both CRCs and reads it. Chunks may split
 * frames anywhere, headers and lengths included.
 */
export class EventStreamDecoder {
  private readonly codec = new EventStreamCodec(toUtf8, fromUtf8);
  private pending: Buffer = Buffer.alloc(0);

  /** Feeds bytes; returns the frames they complete. Throws EventStreamError on corrupt input. */
  push(chunk: Buffer): EventStreamFrame[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: EventStreamFrame[] = [];
    while (this.pending.length >= 4) {
      const total = this.pending.readUInt32BE(0);
      if (total < MINIMUM_FRAME_BYTES || total > MAXIMUM_FRAME_BYTES) throw new EventStreamError(`invalid event stream frame length ${total}`);
      if (this.pending.length < total) break;
      const frame = this.pending.subarray(0, total);
      this.pending = this.pending.subarray(total);
      try {
        frames.push(toFrame(this.codec.decode(frame)));
      } catch (error) {
        throw new EventStreamError(`unreadable event stream frame: ${(error as Error).message}`);
      }
    }
    return frames;
  }

  /** Bytes of an incomplete frame still held: non-zero at the end of the body means it was cut off. */
  pendingBytes(): number {
    return this.pending.length;
  }
}

/** Encodes a frame with string headers and a text payload (for the fake provider and tests). */
export function encodeEventStreamFrame(headers: Readonly<Record<string, string>>, payload: string): Buffer {
  const codec = new EventStreamCodec(toUtf8, fromUtf8);
  const typed: Message['headers'] = {};
  for (const [name, value] of Object.entries(headers)) typed[name] = { type: 'string', value };
  return Buffer.from(codec.encode({ headers: typed, body: fromUtf8(payload) }));
}
