/**
 * Leads positions in normalized text back to the original text. The normalized text is a
 * sequence of pieces: runs copied as they were (one character for one), and replacements of
 * one original code point by zero or more characters. Removed characters own no normalized
 * position; they fall between pieces, so a span that covers both of their neighbours
 * covers them too. Positions are offsets from the start of a whole stream.
 */
export class OffsetMap {
  private readonly normStarts: number[] = [];
  private readonly origStarts: number[] = [];
  private readonly normLengths: number[] = [];
  private readonly origLengths: number[] = [];
  private readonly copied: boolean[] = [];
  /** Pieces before this index are dropped (streams forget what they have sent). */
  private head = 0;
  private normEnd = 0;
  private origEnd = 0;

  /** `length` characters copied unchanged. */
  appendSame(length: number): void {
    const last = this.normStarts.length - 1;
    if (last >= this.head && this.copied[last] && this.origStarts[last] + this.origLengths[last] === this.origEnd) {
      this.normLengths[last] += length;
      this.origLengths[last] += length;
    } else this.push(length, length, true);
    this.normEnd += length;
    this.origEnd += length;
  }

  /** One original code point (`originalLength` code units) written as `length` characters (0: removed). */
  appendReplaced(originalLength: number, length: number): void {
    if (length > 0) this.push(originalLength, length, false);
    this.normEnd += length;
    this.origEnd += originalLength;
  }

  /** Original offset where the source of normalized character `index` starts; the original end at the normalized end. */
  start(index: number): number {
    if (index >= this.normEnd) return this.origEnd;
    const piece = this.find(index);
    return this.copied[piece] ? this.origStarts[piece] + index - this.normStarts[piece] : this.origStarts[piece];
  }

  /** Original offset where the source of normalized character `index` ends. */
  end(index: number): number {
    const piece = this.find(index);
    return this.copied[piece] ? this.origStarts[piece] + index - this.normStarts[piece] + 1 : this.origStarts[piece] + this.origLengths[piece];
  }

  /** The original span of normalized [start, end): from the first source to the end of the last. */
  span(start: number, end: number): { start: number; end: number } {
    return { start: this.start(start), end: end > start ? this.end(end - 1) : this.start(start) };
  }

  /** `index`, or the start of the replacement it falls inside (a cut never splits one original character). */
  boundary(index: number): number {
    if (index >= this.normEnd) return this.normEnd;
    const piece = this.find(index);
    return this.copied[piece] ? index : this.normStarts[piece];
  }

  /** Forgets pieces that end at or before normalized `index`. */
  dropBefore(index: number): void {
    while (this.head < this.normStarts.length && this.normStarts[this.head] + this.normLengths[this.head] <= index) this.head++;
    if (this.head > 256 && this.head * 2 > this.normStarts.length) {
      for (const list of [this.normStarts, this.origStarts, this.normLengths, this.origLengths, this.copied] as unknown[][]) list.splice(0, this.head);
      this.head = 0;
    }
  }

  private push(originalLength: number, length: number, copied: boolean): void {
    this.normStarts.push(this.normEnd);
    this.origStarts.push(this.origEnd);
    this.normLengths.push(length);
    this.origLengths.push(originalLength);
    this.copied.push(copied);
  }

  /** The piece holding normalized position `index` (binary search; pieces are in order). */
  private find(index: number): number {
    let low = this.head;
    let high = this.normStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.normStarts[middle] <= index) low = middle;
      else high = middle - 1;
    }
    return low;
  }
}
