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
const NON_ASCII = /[^\x00-\x7f]+/g;
/** UTF-8 takes one byte per character exactly when every character is ASCII (the fastest test there is). */
const isAscii = (text: string): boolean => Buffer.byteLength(text, 'utf8') === text.length;

/** Normalized forms of non-ASCII code points seen so far (code points are few; the cache is capped anyway). */
const cache = new Map<number, string>();
const CACHE_LIMIT = 20_000;

/** The value of a decimal digit: Unicode keeps each script's digits 0-9 in one contiguous run. */
function digitValue(codePoint: number): number {
  let zero = codePoint;
  while (DIGIT.test(String.fromCodePoint(zero - 1))) zero--;
  return (codePoint - zero) % 10;
}

/** What a Basic Multilingual Plane character needs, learnt on first sight: 0 not known yet. */
const KEEP = 1; // stays as it is
const KEEP_UNLESS_AFTER_ASCII = 2; // a combining mark that stays as it is after other letters
const REPLACE = 3;
const kinds = new Uint8Array(0x10000);

function kindOf(code: number): number {
  let kind = kinds[code];
  if (kind === 0) {
    const char = String.fromCharCode(code);
    kind = normalizeCodePoint(code) !== char ? REPLACE : MARK.test(char) ? KEEP_UNLESS_AFTER_ASCII : KEEP;
    kinds[code] = kind;
  }
  return kind;
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
    if (isAscii(text)) {
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

  /** Normalizes text that has a character beyond ASCII (a whole text, or a piece push() prepared). */
  normalizeMixed(text: string): string {
    let out = '';
    let copied = 0; // text before this is written out (or replaced)
    let afterAscii = this.afterAscii;
    NON_ASCII.lastIndex = 0;
    for (let run = NON_ASCII.exec(text); run; run = NON_ASCII.exec(text)) {
      if (run.index > 0) afterAscii = true; // runs are maximal: an ASCII character comes before this one
      const end = run.index + run[0].length;
      for (let i = run.index; i < end; ) {
        // Most characters of most scripts stay as they are: one table lookup each.
        let code = text.charCodeAt(i);
        while (code < 0xd800 || code > 0xdfff) {
          const kind = kinds[code] || kindOf(code);
          if (kind !== KEEP && (kind !== KEEP_UNLESS_AFTER_ASCII || afterAscii)) break;
          afterAscii = false;
          if (++i === end) break;
          code = text.charCodeAt(i);
        }
        if (i === end) break;
        const codePoint = text.codePointAt(i) ?? 0;
        const width = codePoint > 0xffff ? 2 : 1;
        const char = text.slice(i, i + width);
        const replacement = afterAscii && MARK.test(char) ? '' : normalizeCodePoint(codePoint);
        if (replacement === char) {
          afterAscii = false;
        } else {
          if (i > copied) {
            out += text.slice(copied, i);
            this.map.appendSame(i - copied);
          }
          // NFKC output may itself carry marks (rare): the same rule applies to them.
          let written = '';
          for (const part of replacement) {
            if (afterAscii && MARK.test(part)) continue;
            written += part;
            afterAscii = part.charCodeAt(0) < 0x80;
          }
          out += written;
          this.map.appendReplaced(width, written.length);
          copied = i + width;
        }
        i += width;
      }
    }
    if (text.length > copied) {
      out += text.slice(copied);
      this.map.appendSame(text.length - copied);
    }
    this.afterAscii = text.length > 0 && text.charCodeAt(text.length - 1) < 0x80 ? true : afterAscii;
    return out;
  }
}

/** A whole text normalized; `map` is undefined when normalizing changed nothing. */
export function normalize(text: string): { text: string; map: OffsetMap | undefined } {
  if (isAscii(text)) return { text, map: undefined };
  const normalizer = new Normalizer();
  const normalized = normalizer.normalizeMixed(text);
  return normalized === text ? { text, map: undefined } : { text: normalized, map: normalizer.map };
}
