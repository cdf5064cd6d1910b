import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Transform } from 'node:stream';
import { DEFAULT_MAX_RESPONSE_BODY_BYTES, StreamLimitError } from './stream-limits';

/**
 * Content codings the gateway can undo (RFC 9110 §8.4.1): `gzip` (and its old alias
 * `x-gzip`), `deflate` (zlib-wrapped, as the RFC defines it) and `br`. Anything else
 * (`zstd`, stacked codings) is left alone.
 */
const DECODERS: Readonly<Record<string, () => Transform>> = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

/** The `content-encoding` values ContentDecoder undoes (lowercase). */
export const DECODABLE_CODINGS: readonly string[] = Object.keys(DECODERS);

/**
 * Undoes a response's content coding chunk by chunk, so translators always read plain bytes,
 * however the compressed body is split across ext_proc messages. Each push resolves with
 * everything that could be decoded so far (a flush after every chunk), so a provider that
 * flushes its compressor per SSE event still streams event by event.
 *
 * A corrupt or cut-off body does not throw: the bytes decoded before the fault are returned,
 * `failed` is set, and later input is ignored; the translator then sees a short body and
 * reports it the way it reports any truncated response.
 *
 * A body that decodes to more than `maxBytes` (a compression bomb: deflate reaches ~1000:1,
 * brotli far more) is refused with StreamLimitError: decompression stops at the output
 * chunk (16 KiB) that crosses the limit, so no more than the limit is ever held.
 */
export class ContentDecoder {
  private readonly output: Buffer[] = [];
  private error: Error | undefined;
  private ended = false;
  private decoded = 0;

  private constructor(
    private readonly stream: Transform,
    private readonly maxBytes: number,
  ) {
    stream.on('data', (chunk: Buffer) => this.take(chunk));
    stream.on('error', (error: Error) => {
      this.error ??= error;
    });
  }

  /**
   * A decoder for a `content-encoding` header value, or undefined when there is nothing (or
   * nothing known) to undo. `maxBytes` caps the decoded body (`limits.maxResponseBodyBytes`).
   */
  static for(contentEncoding: string | undefined, options: { readonly maxBytes?: number } = {}): ContentDecoder | undefined {
    const coding = contentEncoding?.trim().toLowerCase();
    const create = coding ? DECODERS[coding] : undefined;
    return create ? new ContentDecoder(create(), options.maxBytes ?? DEFAULT_MAX_RESPONSE_BODY_BYTES) : undefined;
  }

  /** Bytes decoded so far, the body's whole decoded size once it has ended. */
  get decodedBytes(): number {
    return this.decoded;
  }

  /** True once the body turned out corrupt or cut off. */
  get failed(): boolean {
    return this.error !== undefined;
  }

  /**
   * Feeds a chunk of the encoded body; resolves with the decoded bytes it completes. Rejects
   * with StreamLimitError once the decoded body exceeds the limit (and on every push after).
   */
  async push(chunk: Buffer, endOfStream: boolean): Promise<Buffer> {
    if (this.error === undefined && !this.ended) {
      if (chunk.length > 0) await this.run((done) => this.stream.write(chunk, () => done()));
      if (endOfStream) {
        this.ended = true;
        await this.run((done) => {
          this.stream.once('end', done);
          this.stream.end();
        });
      } else {
        await this.run((done) => (this.stream as Transform & { flush(callback: () => void): void }).flush(done));
      }
      // 'data' events of the last write may be queued for the next tick; let them land.
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (this.error instanceof StreamLimitError) throw this.error;
    return Buffer.concat(this.output.splice(0, this.output.length));
  }

  /** One decoded chunk from the stream: kept, or past the limit, the end of decoding. */
  private take(chunk: Buffer): void {
    if (this.error !== undefined) return;
    this.decoded += chunk.length;
    if (this.decoded <= this.maxBytes) {
      this.output.push(chunk);
      return;
    }
    this.output.length = 0;
    this.error = new StreamLimitError('maxResponseBodyBytes', this.maxBytes);
    // Destroying stops zlib before its next output chunk, and its 'error' event ends any
    // pending write or flush (see run()).
    this.stream.destroy(this.error);
  }

  /** Runs one stream operation, finishing early if the stream fails (its callbacks may never come then). */
  private run(operation: (done: () => void) => void): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.error !== undefined) return resolve();
      const onError = (): void => resolve();
      this.stream.once('error', onError);
      operation(() => {
        this.stream.off('error', onError);
        resolve();
      });
    });
  }
}
