/**
 * Default for `limits.maxJsonDepth`: the deepest request JSON seen in the fixtures is 11
 * levels, and a JSON-schema tool definition costs two levels per nested object (four with
 * `anyOf`), so OpenAI's structured-output cap of 10 schema levels stays under 50. V8's
 * JSON.stringify overflows the stack past a few thousand levels, structuredClone past ~2,000.
 */
export const DEFAULT_MAX_JSON_DEPTH = 128;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** What a byte means outside strings: 0 nothing, 1 a string opens, 2 an array or object opens, 3 one closes. */
const OUTSIDE = new Uint8Array(256);
OUTSIDE[QUOTE] = 1;
OUTSIDE[0x5b] = 2; // [
OUTSIDE[0x7b] = 2; // {
OUTSIDE[0x5d] = 3; // ]
OUTSIDE[0x7d] = 3; // }

/** What a byte means inside a string: 0 nothing, 1 the string closes, 2 an escape (the next byte is taken as it is). */
const INSIDE = new Uint8Array(256);
INSIDE[QUOTE] = 1;
INSIDE[BACKSLASH] = 2;

/** Strings longer than this are skipped by indexOf (memchr) instead of byte by byte: base64 images, long prompts. */
const SHORT_STRING_BYTES = 32;

/**
 * Whether JSON text nests arrays and objects more than `maxDepth` deep (`[]` is depth 1),
 * counting only brackets outside strings. One pass over the bytes with no allocation, that
 * stops at the first level too deep; it runs before JSON.parse on every request. UTF-8 needs
 * no decoding: every byte of a multi-byte character is 0x80 or above, never a quote, a
 * backslash or a bracket. Invalid JSON is left to JSON.parse to report.
 */
export function jsonNestsDeeperThan(bytes: Uint8Array, maxDepth: number): boolean {
  const length = bytes.length;
  let depth = 0;
  for (let index = 0; index < length; index++) {
    const kind = OUTSIDE[bytes[index]];
    if (kind === 0) continue;
    if (kind === 2) {
      if (++depth > maxDepth) return true;
    } else if (kind === 3) {
      depth--;
    } else {
      index = stringEnd(bytes, index);
      if (index === -1) return false;
    }
  }
  return false;
}

/** The index of the quote closing the string opened at `open`, or -1 when it is never closed. */
export function stringEnd(bytes: Uint8Array, open: number): number {
  const length = bytes.length;
  const shortEnd = Math.min(length, open + 1 + SHORT_STRING_BYTES);
  let index = open + 1;
  for (; index < shortEnd; index++) {
    const kind = INSIDE[bytes[index]];
    if (kind === 1) return index;
    if (kind === 2) index++;
  }
  // A long string: the next quote closes it unless an odd run of backslashes escapes it. The
  // run is counted back from the quote; it cannot reach past the opening quote.
  for (;;) {
    const quote = bytes.indexOf(QUOTE, index);
    if (quote === -1) return -1;
    let backslashes = 0;
    while (bytes[quote - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote;
    index = quote + 1;
  }
}
