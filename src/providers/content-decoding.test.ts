import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, deflateSync, gzipSync, createGzip } from 'node:zlib';
import { ContentDecoder } from './content-decoding';
import { DEFAULT_MAX_RESPONSE_BODY_BYTES, StreamLimitError } from './stream-limits';
import { chatRequest, FIXED_NOW, FIXED_PREFIX, backend } from './gemini/__fixtures__/fixture-support';
import { OpenAIToGemini } from './gemini/openai-to-gemini';

const FIXTURES = join(__dirname, 'gemini', '__fixtures__');
const STREAM = readFileSync(join(FIXTURES, 'stream-tools.gemini.sse.txt'));
const GOLDEN = readFileSync(join(FIXTURES, 'stream-tools.openai.sse.txt'), 'utf8');

/** The SSE body gzip-compressed the way a provider streams it: one sync flush after each event. */
async function gzipPerEvent(body: Buffer): Promise<{ bytes: Buffer; eventEnds: number[] }> {
  const gzip = createGzip();
  const out: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => out.push(chunk));
  const events = body.toString('utf8').split(/(?<=\n\n)/);
  const eventEnds: number[] = [];
  for (const event of events) {
    gzip.write(event);
    await new Promise<void>((resolve) => gzip.flush(constants.Z_SYNC_FLUSH, () => resolve()));
    eventEnds.push(Buffer.concat(out).length);
  }
  await new Promise<void>((resolve) => gzip.end(() => resolve()));
  await new Promise((resolve) => setImmediate(resolve));
  return { bytes: Buffer.concat(out), eventEnds };
}

async function decodeAll(coding: string, pieces: Buffer[]): Promise<Buffer> {
  const decoder = ContentDecoder.for(coding);
  if (!decoder) throw new Error(`no decoder for ${coding}`);
  const out: Buffer[] = [];
  for (const [index, piece] of pieces.entries()) out.push(await decoder.push(piece, index === pieces.length - 1));
  expect(decoder.failed).toBe(false);
  return Buffer.concat(out);
}

/** The gzip body through the decoder and the Gemini stream translator, split into `pieces`. */
async function translate(pieces: Buffer[]): Promise<string> {
  const decoder = ContentDecoder.for('gzip');
  const translator = new OpenAIToGemini(chatRequest({ model: 'gemini-flash', stream: true, messages: [{ role: 'user', content: 'hi' }] }), { backend: backend('gemini') }, FIXED_NOW, FIXED_PREFIX);
  let output = '';
  for (const [index, piece] of pieces.entries()) {
    const end = index === pieces.length - 1;
    output += translator.responseBody(await (decoder as ContentDecoder).push(piece, end), end).toString('utf8');
  }
  return output;
}

describe('ContentDecoder', () => {
  test('codings: gzip, x-gzip, deflate, br; none for identity, unknown or absent', () => {
    for (const coding of ['gzip', 'x-gzip', 'deflate', 'br', ' GZIP ']) expect(ContentDecoder.for(coding)).toBeInstanceOf(ContentDecoder);
    for (const coding of [undefined, '', 'identity', 'zstd', 'gzip, br']) expect(ContentDecoder.for(coding)).toBeUndefined();
  });

  test.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
  ])('%s: a whole body, in one piece and in two', async (coding, compress) => {
    const encoded = compress(STREAM);
    expect(await decodeAll(coding, [encoded])).toEqual(STREAM);
    expect(await decodeAll(coding, [encoded.subarray(0, 7), encoded.subarray(7)])).toEqual(STREAM);
  });

  test('a per-event flushed gzip stream decodes event by event', async () => {
    const { bytes, eventEnds } = await gzipPerEvent(STREAM);
    const decoder = ContentDecoder.for('gzip') as ContentDecoder;
    let start = 0;
    const decoded: string[] = [];
    for (const [index, end] of eventEnds.entries()) {
      decoded.push((await decoder.push(bytes.subarray(start, end), index === eventEnds.length - 1 && end === bytes.length)).toString('utf8'));
      start = end;
    }
    decoded.push((await decoder.push(bytes.subarray(start), true)).toString('utf8'));
    // Each flushed piece yields exactly its own event, so a translated stream is not held back.
    expect(decoded.slice(0, eventEnds.length)).toEqual(STREAM.toString('utf8').split(/(?<=\n\n)/));
  });

  test('gzip SSE split in two at every byte offset: identical translated output', async () => {
    const { bytes } = await gzipPerEvent(STREAM);
    expect(await translate([bytes])).toBe(GOLDEN);
    for (let offset = 0; offset <= bytes.length; offset += 1) {
      expect(await translate([bytes.subarray(0, offset), bytes.subarray(offset)])).toBe(GOLDEN);
    }
  });

  test('a cut-off body: what was decoded, then failed; later input ignored', async () => {
    const encoded = gzipSync(STREAM);
    const decoder = ContentDecoder.for('gzip') as ContentDecoder;
    const first = await decoder.push(encoded.subarray(0, encoded.length - 12), false);
    const last = await decoder.push(Buffer.alloc(0), true);
    expect(Buffer.concat([first, last]).toString('utf8')).toBe(STREAM.toString('utf8').slice(0, Buffer.concat([first, last]).length));
    expect(decoder.failed).toBe(true);
    expect(await decoder.push(Buffer.from('more'), true)).toEqual(Buffer.alloc(0));
  });

  test('garbage: failed, nothing decoded', async () => {
    const decoder = ContentDecoder.for('gzip') as ContentDecoder;
    expect(await decoder.push(Buffer.from('not gzip at all'), true)).toEqual(Buffer.alloc(0));
    expect(decoder.failed).toBe(true);
  });
});

describe('ContentDecoder size limit (limits.maxResponseBodyBytes)', () => {
  const MIB = 1024 * 1024;
  const LIMIT = MIB;
  /** zlib and brotli hand out decoded bytes in chunks of this size (zlib's Z_DEFAULT_CHUNK). */
  const OUTPUT_CHUNK = 16 * 1024;
  /** 64 MiB of zeros: tens of kilobytes compressed, 64 times the limit decoded. */
  const BOMB_SIZE = 64 * MIB;
  const bombs: Array<[string, () => Buffer]> = [
    ['gzip', () => gzipSync(Buffer.alloc(BOMB_SIZE), { level: 9 })],
    ['deflate', () => deflateSync(Buffer.alloc(BOMB_SIZE), { level: 9 })],
    ['br', () => brotliCompressSync(Buffer.alloc(BOMB_SIZE), { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } })],
  ];

  test.each(bombs)('%s bomb: refused with StreamLimitError, holding no more than the limit and one output chunk', async (coding, build) => {
    const bomb = build();
    expect(bomb.length).toBeLessThan(BOMB_SIZE / 500);
    const decoder = ContentDecoder.for(coding, { maxBytes: LIMIT }) as ContentDecoder;
    const failure = await decoder.push(bomb, true).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(StreamLimitError);
    expect(failure).toMatchObject({ status: 502, type: 'server_error', code: 'upstream_response_too_large', userFacing: true });
    expect((failure as Error).message).toBe(`The upstream response was refused: the decompressed response body exceeds limits.maxResponseBodyBytes (${LIMIT} bytes).`);
    // Decoding stopped right after the limit: not the 64 MiB the body would inflate to.
    expect(decoder.decodedBytes).toBeGreaterThan(LIMIT);
    expect(decoder.decodedBytes).toBeLessThanOrEqual(LIMIT + OUTPUT_CHUNK);
    expect(decoder.failed).toBe(true);
    await expect(decoder.push(Buffer.from('more'), true)).rejects.toBeInstanceOf(StreamLimitError);
  });

  test('a bomb fed in small pieces is refused on the piece that crosses the limit', async () => {
    const bomb = gzipSync(Buffer.alloc(BOMB_SIZE));
    const decoder = ContentDecoder.for('gzip', { maxBytes: LIMIT }) as ContentDecoder;
    let received = 0;
    let failure: unknown;
    for (let offset = 0; offset < bomb.length && failure === undefined; offset += 256) {
      try {
        received += (await decoder.push(bomb.subarray(offset, offset + 256), offset + 256 >= bomb.length)).length;
      } catch (error) {
        failure = error;
      }
    }
    expect(failure).toBeInstanceOf(StreamLimitError);
    expect(received).toBeLessThanOrEqual(LIMIT);
    expect(decoder.decodedBytes).toBeLessThanOrEqual(LIMIT + OUTPUT_CHUNK);
  });

  test('a body of exactly the limit decodes whole; the default limit is 64 MiB', async () => {
    const body = Buffer.alloc(LIMIT, 0x61);
    // equals(), not toEqual(): Jest compares a megabyte buffer element by element, for seconds.
    expect((await decodeWith('gzip', gzipSync(body), LIMIT)).equals(body)).toBe(true);
    expect(DEFAULT_MAX_RESPONSE_BODY_BYTES).toBe(64 * MIB);
    const decoder = ContentDecoder.for('gzip') as ContentDecoder;
    await decoder.push(gzipSync(Buffer.alloc(2 * LIMIT)), true);
    expect(decoder.decodedBytes).toBe(2 * LIMIT);
  });

  async function decodeWith(coding: string, encoded: Buffer, maxBytes: number): Promise<Buffer> {
    const decoder = ContentDecoder.for(coding, { maxBytes }) as ContentDecoder;
    return decoder.push(encoded, true);
  }
});
