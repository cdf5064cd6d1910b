const EMPTY = Buffer.alloc(0);
/** Smallest capacity allocated, so short tails do not regrow on every byte. */
const MINIMUM_CAPACITY = 256;
/** A tail that grew past this is given back once emptied, not kept for the rest of the stream. */
const KEPT_CAPACITY = 64 * 1024;

/**
 * The unfinished end of a byte stream, held between chunks. Appends copy into spare
 * capacity that doubles as needed (amortised O(1) per byte, where concatenating the whole
 * tail on every chunk is quadratic), and the capacity never exceeds `limit`, so a tail
 * that its owner keeps under the limit never holds more than the limit in memory.
 */
export class ByteTail {
  private bytes: Buffer = EMPTY;
  private used = 0;

  constructor(private readonly limit: number) {}

  /** Bytes held. */
  get length(): number {
    return this.used;
  }

  /** Copies `chunk` onto the end. */
  append(chunk: Buffer): void {
    const needed = this.used + chunk.length;
    if (needed > this.bytes.length) this.grow(needed);
    chunk.copy(this.bytes, this.used);
    this.used = needed;
  }

  /** The held bytes followed by `extra`, in a new buffer; the tail is empty afterwards. */
  take(extra: Buffer): Buffer {
    const whole = Buffer.concat([this.bytes.subarray(0, this.used), extra]);
    this.used = 0;
    if (this.bytes.length > KEPT_CAPACITY) this.bytes = EMPTY;
    return whole;
  }

  private grow(needed: number): void {
    const capacity = Math.max(needed, Math.min(Math.max(this.bytes.length * 2, MINIMUM_CAPACITY), this.limit));
    // Unsafe is fine: only bytes[0, used) are ever read, and each was written by append.
    const next = Buffer.allocUnsafe(capacity);
    this.bytes.copy(next, 0, 0, this.used);
    this.bytes = next;
  }
}
