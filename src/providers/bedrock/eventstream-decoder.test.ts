import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpuMilliseconds, linearCost } from '../../testing/linear-cost';
import { DEFAULT_MAX_STREAM_EVENT_BYTES, StreamLimitError } from '../stream-limits';
import { EventStreamDecoder, EventStreamError, encodeEventStreamFrame } from './eventstream-decoder';
import type { EventStreamFrame } from './eventstream-decoder';

const MIB = 1024 * 1024;
const HEADERS = { ':message-type': 'event', ':event-type': 'contentBlockDelta', ':content-type': 'application/json' };

function decodeAll(decoder: EventStreamDecoder, pieces: readonly Buffer[]): EventStreamFrame[] {
  return pieces.flatMap((piece) => decoder.push(piece));
}

/** The first bytes of a frame that declares `total` bytes: its length, then as much as is given. */
function prelude(total: number, rest = Buffer.alloc(8)): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(total);
  return Buffer.concat([length, rest]);
}

describe('EventStreamDecoder', () => {
  const fixture = readFileSync(join(__dirname, '__fixtures__', 'stream-tools.eventstream'));

  test('a recorded stream split at every byte offset gives the frames of the whole', () => {
    const whole = decodeAll(new EventStreamDecoder(), [fixture]);
    expect(whole.length).toBeGreaterThan(3);
    for (let offset = 0; offset <= fixture.length; offset++) {
      const decoder = new EventStreamDecoder();
      const frames = decodeAll(decoder, [fixture.subarray(0, offset), fixture.subarray(offset)]);
      if (JSON.stringify(frames) !== JSON.stringify(whole)) throw new Error(`split at ${offset}: ${JSON.stringify(frames)}`);
      expect(decoder.pendingBytes()).toBe(0);
    }
  });

  test('1-byte chunks: pendingBytes counts the unfinished frame, frames come out whole', () => {
    const decoder = new EventStreamDecoder();
    const frames: EventStreamFrame[] = [];
    for (let index = 0; index < fixture.length; index++) {
      frames.push(...decoder.push(fixture.subarray(index, index + 1)));
      expect(decoder.pendingBytes()).toBeLessThanOrEqual(index + 1);
    }
    expect(frames).toEqual(decodeAll(new EventStreamDecoder(), [fixture]));
    expect(decoder.pendingBytes()).toBe(0);
  });

  test('corrupt lengths and CRCs are EventStreamErrors, as before', () => {
    expect(() => new EventStreamDecoder().push(prelude(8))).toThrow(EventStreamError);
    expect(() => new EventStreamDecoder().push(prelude(17 * MIB))).toThrow(EventStreamError);
    const frame = encodeEventStreamFrame(HEADERS, '{"delta":{"text":"hi"}}');
    frame[frame.length - 1] ^= 0xff;
    expect(() => new EventStreamDecoder().push(frame)).toThrow(EventStreamError);
  });
});

describe('EventStreamDecoder limit (limits.maxStreamEventBytes)', () => {
  test('a frame declared over the limit is refused at its prelude, before any of it is held', () => {
    const decoder = new EventStreamDecoder({ maxFrameBytes: MIB });
    let failure: unknown;
    try {
      decoder.push(prelude(MIB + 1));
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(StreamLimitError);
    expect(failure).toMatchObject({ status: 502, type: 'server_error', code: 'upstream_response_too_large', limit: 'maxStreamEventBytes', maxBytes: MIB });
    expect((failure as Error).message).toBe(`The upstream response was refused: a single stream event exceeds limits.maxStreamEventBytes (${MIB} bytes).`);
    expect(decoder.pendingBytes()).toBe(0);
  });

  test('the four length bytes split across chunks: refused on the chunk that completes them', () => {
    const decoder = new EventStreamDecoder({ maxFrameBytes: MIB });
    const head = prelude(4 * MIB);
    expect(decoder.push(head.subarray(0, 1))).toEqual([]);
    expect(decoder.push(head.subarray(1, 3))).toEqual([]);
    expect(decoder.pendingBytes()).toBe(3);
    expect(() => decoder.push(head.subarray(3))).toThrow(StreamLimitError);
  });

  test('after whole frames in the same chunk, the oversized one is still refused at its prelude', () => {
    const small = encodeEventStreamFrame(HEADERS, '{"delta":{"text":"hi"}}');
    const decoder = new EventStreamDecoder({ maxFrameBytes: 1024 });
    expect(decoder.push(small)).toHaveLength(1);
    expect(() => decoder.push(Buffer.concat([small, prelude(1025)]))).toThrow(StreamLimitError);
  });

  test('a frame of exactly the limit, in 1 KiB chunks, is decoded; the default limit is 16 MiB', () => {
    const payload = JSON.stringify({ delta: { text: 'x'.repeat(MIB) } });
    const frame = encodeEventStreamFrame(HEADERS, payload);
    const decoder = new EventStreamDecoder({ maxFrameBytes: frame.length });
    const pieces: Buffer[] = [];
    for (let offset = 0; offset < frame.length; offset += 1024) pieces.push(frame.subarray(offset, offset + 1024));
    const frames = decodeAll(decoder, pieces);
    expect(frames).toHaveLength(1);
    expect(frames[0].payload === payload).toBe(true);
    expect(() => new EventStreamDecoder({ maxFrameBytes: frame.length - 1 }).push(frame)).toThrow(StreamLimitError);
    expect(DEFAULT_MAX_STREAM_EVENT_BYTES).toBe(16 * MIB);
    expect(() => new EventStreamDecoder().push(prelude(16 * MIB))).not.toThrow();
  });

  test('a 10 MB frame in 1 B to 4 KiB chunks costs linear time: 8 times the bytes, under 20 times the time', () => {
    const feed = (size: number, budget: number): number => {
      const frame = encodeEventStreamFrame(HEADERS, 'x'.repeat(size));
      const decoder = new EventStreamDecoder({ maxFrameBytes: 16 * MIB });
      let state = 7;
      let frames = 0;
      const start = cpuMilliseconds();
      for (let offset = 0, count = 0; offset < frame.length; count++) {
        state = (state * 1103515245 + 12345) & 0x7fffffff;
        const length = 1 + (state % 4096);
        frames += decoder.push(frame.subarray(offset, offset + length)).length;
        offset += length;
        if (count % 64 === 0 && cpuMilliseconds() - start > budget) return Number.POSITIVE_INFINITY;
      }
      expect(frames).toBe(1);
      return cpuMilliseconds() - start;
    };
    const cost = linearCost(feed, 1.25 * MIB);
    expect({ ...cost, linear: cost.large < cost.budget }).toMatchObject({ linear: true });
  }, 120_000);
});
