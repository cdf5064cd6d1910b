import { OffsetMap } from './offset-map';

/**
 * What detectors read: the text with the usual disguises taken off. Each code point is
 * mapped on its own (so a stream split anywhere normalizes the same as the whole text):
 *   - default-ignorable code points are removed: zero-width space, non-joiner and joiner,
 *     word joiner, BOM, soft hyphen, bidi controls, variation selectors, tag characters;
 *   - every other code point is replaced by its NFKC form: full-width letters, digits and
 *     `＠`, ligatures, circled, super- and subscript digits, compatibility spaces;
 *   - Unicode decimal digits of any script (Arabic-Indic, Devanagari, …) become ASCII digits,
 *     and Unicode spaces become ' ';
 *   - combining marks after an ASCII character are removed (`e` + U+0301 reads as `e`,
 *     `4` + U+0332 as `4`); after other letters they stay, as part of the word.
 * The forwarded text is never this: an OffsetMap leads every normalized position back to
 * the original, so a redaction replaces exactly the original span.
 */

const IGNORABLE = /^\p{Default_Ignorable_Code_Point}$/u;
const MARK = /^\p{M}$/u;
const SPACE = /^\p{Zs}$/u;
const DIGIT = /^\p{Nd}$/u;
const ASCII_ONLY = /^[\x00-\x7f]*$/;

/** Normalized forms of non-ASCII code points seen so far (code points are few; the cache is capped anyway). */
const cache = new Map<number, string>();
const CACHE_LIMIT = 20_000;

/** The value of a decimal digit: Unicode keeps each script's digits 0-9 in one contiguous run. */
function digitValue(codePoint: number): number {
  let zero = codePoint;
  while (DIGIT.test(String.fromCodePoint(zero - 1))) zero--;
  return (codePoint - zero) % 10;
}

/** One non-ASCII code point, out of context: '' when removed. */
function normalizeCodePoint(codePoint: number): string {
  let out = cache.get(codePoint);
  if (out !== undefined) return out;
  const char = String.fromCodePoint(codePoint);
  if (IGNORABLE.test(char)) out = '';
  else {
    out = '';
    for (const part of char.normalize('NFKC')) {
      if (IGNORABLE.test(part)) continue;
      const partCode = part.codePointAt(0) ?? 0;
      if (SPACE.test(part)) out += ' ';
      else if (partCode > 0x7f && DIGIT.test(part)) out += String(digitValue(partCode));
      else out += part;
    }
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(codePoint, out);
  return out;
}

/** Normalizes text as it arrives, keeping the map back to the original. */
export class Normalizer {
  readonly map = new OffsetMap();
  /** A high surrogate that ended the last piece: its pair comes with the next. */
  private heldSurrogate = '';
  /** Whether the last code point written is ASCII (combining marks after it are dropped). */
  private afterAscii = false;

  /** Normalized text for `text`, appended to the map; a trailing high surrogate waits for its pair. */
  push(text: string): string {
    if (this.heldSurrogate) {
      text = this.heldSurrogate + text;
      this.heldSurrogate = '';
    }
    const last = text.charCodeAt(text.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) {
      this.heldSurrogate = text.slice(-1);
      text = text.slice(0, -1);
    }
    if (text.length === 0) return '';
    if (ASCII_ONLY.test(text)) {
      this.map.appendSame(text.length);
      this.afterAscii = true;
      return text;
    }
    return this.normalizeMixed(text);
  }

  /** End of text: a lone high surrogate left over goes as it is. */
  finish(): string {
    const held = this.heldSurrogate;
    this.heldSurrogate = '';
    if (held) {
      this.map.appendSame(held.length);
      this.afterAscii = false;
    }
    return held;
  }

  /** Characters received but not normalized yet (a held high surrogate). */
  get pending(): number {
    return this.heldSurrogate.length;
  }

  private normalizeMixed(text: string): string {
    let out = '';
    let same = 0; // length of the current run of characters that stay as they are
    const flushSame = (end: number): void => {
      if (same === 0) return;
      out += text.slice(end - same, end);
      this.map.appendSame(same);
      same = 0;
    };
    for (let i = 0; i < text.length; ) {
      const code = text.charCodeAt(i);
      if (code < 0x80) {
        same++;
        i++;
        this.afterAscii = true;
        continue;
      }
      const codePoint = text.codePointAt(i) ?? code;
      const width = codePoint > 0xffff ? 2 : 1;
      const char = text.slice(i, i + width);
      let replacement: string;
      if (this.afterAscii && MARK.test(char)) replacement = '';
      else replacement = normalizeCodePoint(codePoint);
      if (replacement === char) {
        same += width;
        this.afterAscii = false;
      } else {
        flushSame(i);
        // NFKC output may itself carry marks (rare): the same rule applies to them.
        let written = '';
        for (const part of replacement) {
          if (this.afterAscii && MARK.test(part)) continue;
          written += part;
          this.afterAscii = part.charCodeAt(0) < 0x80;
        }
        out += written;
        this.map.appendReplaced(width, written.length);
      }
      i += width;
    }
    flushSame(text.length);
    return out;
  }
}

/** A whole text normalized; `map` is undefined when normalizing changed nothing. */
export function normalize(text: string): { text: string; map: OffsetMap | undefined } {
  if (ASCII_ONLY.test(text)) return { text, map: undefined };
  const normalizer = new Normalizer();
  const normalized = normalizer.push(text) + normalizer.finish();
  return normalized === text ? { text, map: undefined } : { text: normalized, map: normalizer.map };
}
