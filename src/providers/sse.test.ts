import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SseDecoder } from './sse';
import type { SseEvent } from './sse';
import { DEFAULT_MAX_STREAM_EVENT_BYTES, StreamLimitError } from './stream-limits';
import { cpuMilliseconds, exposedGc, linearCost } from '../testing/linear-cost';

interface EventFields {
  data: string | undefined;
  event: string | undefined;
  id: string | undefined;
}

function fixture(name: string): Buffer {
  return readFileSync(join(__dirname, '__fixtures__', name));
}

function fieldsOf(event: SseEvent): EventFields {
  return { data: event.data, event: event.event, id: event.id };
}

/** Feeds the pieces in order, then finishes; returns every event including finish()'s. */
function decode(pieces: readonly Buffer[]): SseEvent[] {
  const decoder = new SseDecoder();
  const events: SseEvent[] = [];
  for (const piece of pieces) events.push(...decoder.push(piece));
  const last = decoder.finish();
  if (last) events.push(last);
  expect(decoder.pendingBytes).toBe(0);
  return events;
}

function splitAt(bytes: Buffer, offsets: readonly number[]): Buffer[] {
  const pieces: Buffer[] = [];
  let start = 0;
  for (const offset of offsets) {
    pieces.push(bytes.subarray(start, offset));
    start = offset;
  }
  pieces.push(bytes.subarray(start));
  return pieces;
}

function oneByteChunks(bytes: Buffer): Buffer[] {
  const pieces: Buffer[] = [];
  for (let index = 0; index < bytes.length; index++) pieces.push(bytes.subarray(index, index + 1));
  return pieces;
}

const CHUNK_PREFIX =
  '{"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_06737a9306","choices":';
const contentChunk = (delta: string, finish: string): string =>
  `${CHUNK_PREFIX}[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish}}],"usage":null}`;
const OPENAI_EVENTS: EventFields[] = [
  contentChunk('{"role":"assistant","content":"","refusal":null}', 'null'),
  contentChunk('{"content":"héllo"}', 'null'),
  contentChunk('{"content":" wörld 👋"}', 'null'),
  contentChunk('{"content":" 日本"}', 'null'),
  contentChunk('{}', '"stop"'),
  `${CHUNK_PREFIX}[],"usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,"prompt_tokens_details":{"cached_tokens":3,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":2,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}`,
  '[DONE]',
].map((data) => ({ data, event: undefined, id: undefined }));

const FIXTURES: Record<string, EventFields[]> = {
  'openai-chat-stream.sse.txt': OPENAI_EVENTS,
  'crlf-comments.sse.txt': [
    { data: undefined, event: undefined, id: undefined },
    { data: '{"a":1}', event: 'message', id: '1' },
    { data: 'first line\nsecond line ü', event: 'delta', id: '2' },
    { data: ' two spaces', event: undefined, id: '3' },
    { data: '[DONE]', event: undefined, id: undefined },
  ],
  'cr-only.sse.txt': [
    { data: 'one', event: undefined, id: undefined },
    { data: undefined, event: undefined, id: undefined },
    { data: 'twö\nthree', event: 'update', id: undefined },
    { data: '[DONE]', event: undefined, id: undefined },
  ],
};

describe('SseDecoder on recorded streams', () => {
  describe.each(Object.keys(FIXTURES))('%s', (name) => {
    const bytes = fixture(name);
    const expected = FIXTURES[name];

    test('whole: yields the expected events and raw bytes that add up to the input', () => {
      const events = decode([bytes]);
      expect(events.map(fieldsOf)).toEqual(expected);
      expect(Buffer.concat(events.map((event) => event.raw)).equals(bytes)).toBe(true);
    });

    test('split into two pieces at every byte offset gives the same events and bytes', () => {
      const whole = decode([bytes]).map(fieldsOf);
      for (let offset = 0; offset <= bytes.length; offset++) {
        const events = decode(splitAt(bytes, [offset]));
        const fields = events.map(fieldsOf);
        if (JSON.stringify(fields) !== JSON.stringify(whole)) {
          throw new Error(`split at ${offset}: ${JSON.stringify(fields)}`);
        }
        if (!Buffer.concat(events.map((event) => event.raw)).equals(bytes)) {
          throw new Error(`split at ${offset}: raw bytes differ from the input`);
        }
      }
    });

    test('1-byte chunks give the same events and bytes', () => {
      const events = decode(oneByteChunks(bytes));
      expect(events.map(fieldsOf)).toEqual(expected);
      expect(Buffer.concat(events.map((event) => event.raw)).equals(bytes)).toBe(true);
    });
  });

  test('cr-only.sse.txt (smallest fixture): a 3-way split at every pair of offsets gives the same events and bytes', () => {
    const bytes = fixture('cr-only.sse.txt');
    const whole = JSON.stringify(FIXTURES['cr-only.sse.txt']);
    let checked = 0;
    for (let first = 0; first <= bytes.length; first++) {
      for (let second = first; second <= bytes.length; second++) {
        const events = decode(splitAt(bytes, [first, second]));
        const fields = JSON.stringify(events.map(fieldsOf));
        if (fields !== whole) throw new Error(`split at ${first},${second}: ${fields}`);
        if (!Buffer.concat(events.map((event) => event.raw)).equals(bytes)) {
          throw new Error(`split at ${first},${second}: raw bytes differ from the input`);
        }
        checked++;
      }
    }
    expect(checked).toBe(((bytes.length + 1) * (bytes.length + 2)) / 2);
  });

  test('crlf-comments.sse.txt: each raw buffer is one event with its comments and blank line', () => {
    const events = decode([fixture('crlf-comments.sse.txt')]);
    expect(events.map((event) => event.raw.toString('utf8'))).toEqual([
      ': ping\r\n\r\n',
      'event: message\r\nid: 1\r\ndata:{"a":1}\r\n\r\n',
      ': keep-alive comment\r\nevent: delta\r\nid: 2\r\ndata: first line\r\ndata:second line ü\r\n\r\n',
      'id: 3\r\ndata:  two spaces\r\n\r\n',
      'data: [DONE]\r\n\r\n',
    ]);
  });

  test('cr-only.sse.txt: the final CR CR is held back by push and returned by finish()', () => {
    const bytes = fixture('cr-only.sse.txt');
    const decoder = new SseDecoder();
    const pushed = decoder.push(bytes);
    expect(pushed.map((event) => event.data)).toEqual(['one', undefined, 'twö\nthree']);
    expect(decoder.pendingBytes).toBe('data: [DONE]\r\r'.length);
    const last = decoder.finish();
    expect(last?.data).toBe('[DONE]');
    expect(last?.raw.toString()).toBe('data: [DONE]\r\r');
  });

  test('the fixtures have the line endings they are named for', () => {
    const crlf = fixture('crlf-comments.sse.txt').toString('latin1');
    expect(crlf.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    const crOnly = fixture('cr-only.sse.txt').toString('latin1');
    expect(crOnly).not.toContain('\n');
    expect(crOnly.endsWith('\r\r')).toBe(true);
    const openai = fixture('openai-chat-stream.sse.txt').toString('latin1');
    expect(openai).not.toContain('\r');
  });
});

describe('SseDecoder fields and line endings', () => {
  test('data with and without a space after the colon; only one space is dropped', () => {
    const events = decode([Buffer.from('data: spaced\n\ndata:tight\n\ndata:  two\n\ndata\n\n')]);
    expect(events.map(fieldsOf)).toEqual([
      { data: 'spaced', event: undefined, id: undefined },
      { data: 'tight', event: undefined, id: undefined },
      { data: ' two', event: undefined, id: undefined },
      { data: '', event: undefined, id: undefined },
    ]);
  });

  test('a comment-only event has no data; unknown fields are ignored', () => {
    const events = decode([Buffer.from(': ping\n\nretry: 10\nfoo: bar\ndata: x\n\n')]);
    expect(events.map(fieldsOf)).toEqual([
      { data: undefined, event: undefined, id: undefined },
      { data: 'x', event: undefined, id: undefined },
    ]);
    expect(events.map((event) => event.raw.toString())).toEqual([': ping\n\n', 'retry: 10\nfoo: bar\ndata: x\n\n']);
  });

  test('a stream ending without a blank line: push returns nothing, finish() returns the tail', () => {
    const decoder = new SseDecoder();
    const first = decoder.push(Buffer.from('data: a\n\ndata: tail\nid: 7'));
    expect(first.map(fieldsOf)).toEqual([{ data: 'a', event: undefined, id: undefined }]);
    expect(first[0].raw.toString()).toBe('data: a\n\n');
    expect(decoder.pendingBytes).toBe('data: tail\nid: 7'.length);
    const last = decoder.finish();
    expect(last && fieldsOf(last)).toEqual({ data: 'tail', event: undefined, id: '7' });
    expect(last?.raw.toString()).toBe('data: tail\nid: 7');
    expect(decoder.pendingBytes).toBe(0);
    expect(decoder.finish()).toBeUndefined();
  });

  test('finish() on a fully terminated stream returns undefined', () => {
    const decoder = new SseDecoder();
    expect(decoder.push(Buffer.from('data: a\n\n'))).toHaveLength(1);
    expect(decoder.pendingBytes).toBe(0);
    expect(decoder.finish()).toBeUndefined();
  });

  test('CR at the end of a chunk and LF at the start of the next are one line ending', () => {
    const decoder = new SseDecoder();
    expect(decoder.push(Buffer.from('data: a\r'))).toEqual([]);
    expect(decoder.pendingBytes).toBe(8);
    expect(decoder.push(Buffer.from('\n\r'))).toEqual([]);
    const events = decoder.push(Buffer.from('\ndata: b\r\n\r\n'));
    expect(events.map(fieldsOf)).toEqual([
      { data: 'a', event: undefined, id: undefined },
      { data: 'b', event: undefined, id: undefined },
    ]);
    expect(events.map((event) => event.raw.toString())).toEqual(['data: a\r\n\r\n', 'data: b\r\n\r\n']);
    expect(decoder.finish()).toBeUndefined();
  });

  test('a blank line ending in CRLF at the very end of a chunk ends its event at once; a lone CR there waits', () => {
    const decoder = new SseDecoder();
    expect(decoder.push(Buffer.from('x\r\r\r\n')).map((event) => event.raw.toString())).toEqual(['x\r\r', '\r\n']);
    expect(decoder.pendingBytes).toBe(0);
    expect(decoder.push(Buffer.from('data: a\r\n\r'))).toEqual([]);
    expect(decoder.pendingBytes).toBe(10);
  });

  test('a multi-byte character split across chunks is decoded whole', () => {
    const bytes = Buffer.from('data: 👋\n\n');
    const decoder = new SseDecoder();
    expect(decoder.push(bytes.subarray(0, 8))).toEqual([]);
    const events = decoder.push(bytes.subarray(8));
    expect(events.map(fieldsOf)).toEqual([{ data: '👋', event: undefined, id: undefined }]);
  });

  test('the last event field and id win within one event', () => {
    const events = decode([Buffer.from('event: a\nevent: b\nid: 1\nid: 2\ndata: x\n\n')]);
    expect(events.map(fieldsOf)).toEqual([{ data: 'x', event: 'b', id: '2' }]);
  });
});

describe('SseDecoder byte order mark', () => {
  test('a leading UTF-8 BOM is dropped, even when split across chunks', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('data: first\n\ndata: second\n\n')]);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const decoder = new SseDecoder();
      const events = [...decoder.push(bytes.subarray(0, cut)), ...decoder.push(bytes.subarray(cut))];
      expect(events.map((event) => event.data)).toEqual(['first', 'second']);
    }
  });
});

describe('SseDecoder on random input', () => {
  test('any split of random SSE-like bytes gives the events of the whole', () => {
    const pieces = ['\r', '\n', '\r\n', 'data:', 'data: ', 'event: e', 'id: 1', ': c', 'x', 'é', '👋'];
    const random = seeded(42);
    for (let round = 0; round < 3000; round++) {
      const text = Array.from({ length: random(30) }, () => pieces[random(pieces.length)]).join('');
      const bytes = Buffer.from(text);
      const whole = JSON.stringify(decode([bytes]).map((event) => [event.raw.toString('hex'), event.data, event.event, event.id]));
      const chunks: Buffer[] = [];
      for (let start = 0; start < bytes.length; ) {
        const size = random(9); // 0: an empty chunk now and then
        chunks.push(bytes.subarray(start, start + size));
        start += size;
      }
      const split = JSON.stringify(decode(chunks).map((event) => [event.raw.toString('hex'), event.data, event.event, event.id]));
      if (split !== whole) throw new Error(`${JSON.stringify(text)} split ${chunks.map((chunk) => chunk.length).join(',')}: ${split} != ${whole}`);
    }
  });
});

describe('SseDecoder cost and limit (limits.maxStreamEventBytes)', () => {
  const MIB = 1024 * 1024;

  /** Feeds one `data:` event of `size` bytes in chunks of 1 B to 4 KiB; CPU milliseconds, or Infinity past `budget`. */
  function feedLongEvent(size: number, budget: number): number {
    const body = Buffer.concat([Buffer.from('data: '), Buffer.alloc(size, 0x61), Buffer.from('\n\n')]);
    const random = seeded(7);
    const decoder = new SseDecoder({ maxEventBytes: 64 * MIB });
    const events: SseEvent[] = [];
    const start = cpuMilliseconds();
    for (let offset = 0, count = 0; offset < body.length; count++) {
      const length = 1 + random(4096);
      events.push(...decoder.push(body.subarray(offset, offset + length)));
      offset += length;
      if (count % 64 === 0 && cpuMilliseconds() - start > budget) return Number.POSITIVE_INFINITY;
    }
    const elapsed = cpuMilliseconds() - start;
    expect(events).toHaveLength(1);
    expect(events[0].raw.length).toBe(body.length);
    expect(events[0].data?.length).toBe(size);
    return elapsed;
  }

  test('a 10 MB event in 1 B to 4 KiB chunks costs linear time: 8 times the bytes, under 20 times the time', () => {
    // Before: each chunk re-concatenated and re-scanned the whole held tail (1 MB took ~0.7 s, 10 MB over a minute).
    const cost = linearCost(feedLongEvent, 1.25 * MIB);
    expect({ ...cost, linear: cost.large < cost.budget }).toMatchObject({ linear: true });
  }, 120_000);

  test.each([
    ['one long line', Buffer.alloc(4096, 0x61)],
    ['many short data lines', Buffer.from('data: x\n'.repeat(512))],
  ])('an event over the limit (%s) throws before the decoder holds more than the limit', async (_name, chunk) => {
    const limit = 8 * MIB;
    let decoder: SseDecoder | undefined = new SseDecoder({ maxEventBytes: limit });
    const gc = exposedGc();
    const memory = (): number => process.memoryUsage().arrayBuffers + process.memoryUsage().heapUsed;
    decoder.push(Buffer.from('data: '));
    let failure: unknown;
    let pushed = 0;
    while (failure === undefined && pushed < 2 * limit) {
      try {
        decoder.push(chunk);
        pushed += chunk.length;
        expect(decoder.pendingBytes).toBeLessThanOrEqual(limit);
      } catch (error) {
        failure = error;
      }
    }
    expect(failure).toBeInstanceOf(StreamLimitError);
    expect(failure).toMatchObject({ status: 502, type: 'server_error', code: 'upstream_response_too_large' });
    expect((failure as Error).message).toBe(`The upstream response was refused: a single stream event exceeds limits.maxStreamEventBytes (${limit} bytes).`);
    // Refused on the chunk that would cross the limit, with the bytes before it held, not more.
    expect(pushed + 6).toBeGreaterThan(limit - chunk.length);
    expect(decoder.pendingBytes).toBeLessThanOrEqual(limit);
    // What the decoder holds, buffers and parsed lines alike: the held bytes, no more. Measured
    // as what freeing the decoder gives back, so other garbage of the test run does not count;
    // V8 releases freed buffers' memory after a GC, not in it, so each reading waits for that.
    const settled = async (): Promise<number> => {
      for (let round = 0; round < 3; round++) {
        gc();
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return memory();
    };
    const withDecoder = await settled();
    decoder = undefined;
    expect(withDecoder - (await settled())).toBeLessThan(limit + chunk.length + MIB);
  });

  test('a whole event over the limit in one chunk is refused; one of exactly the limit passes', () => {
    const event = (size: number): Buffer => Buffer.concat([Buffer.from('data: '), Buffer.alloc(size - 8, 0x61), Buffer.from('\n\n')]);
    expect(new SseDecoder({ maxEventBytes: 1000 }).push(event(1000))).toHaveLength(1);
    expect(() => new SseDecoder({ maxEventBytes: 1000 }).push(event(1001))).toThrow(StreamLimitError);
    // Events before the long one are not what the limit counts.
    const decoder = new SseDecoder({ maxEventBytes: 1000 });
    expect(decoder.push(Buffer.concat([event(1000), event(1000), event(600)]))).toHaveLength(3);
    expect(() => decoder.push(Buffer.concat([event(1000), event(600).subarray(0, 300), Buffer.alloc(701, 0x61)]))).toThrow(StreamLimitError);
  });

  test('the default limit is 16 MiB', () => {
    expect(DEFAULT_MAX_STREAM_EVENT_BYTES).toBe(16 * MIB);
    const decoder = new SseDecoder();
    decoder.push(Buffer.concat([Buffer.from('data: '), Buffer.alloc(16 * MIB - 6, 0x61)]));
    expect(() => decoder.push(Buffer.from('a'))).toThrow(StreamLimitError);
  });
});

/** A small deterministic generator: integers in [0, below). */
function seeded(seed: number): (below: number) => number {
  let state = seed;
  return (below) => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state % below;
  };
}
