import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, deflateSync, gzipSync, createGzip } from 'node:zlib';
import { ContentDecoder } from './content-decoding';
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
