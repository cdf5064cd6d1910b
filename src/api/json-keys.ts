import { stringEnd } from './json-depth';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;

/**
 * The first key that an object of this JSON text has twice, or undefined. JSON.parse keeps
 * the last of two equal keys; a gateway that checks what JSON.parse returned but forwards
 * the client's bytes would let the first one through unchecked, and providers' parsers do
 * not all agree on which one wins. Keys are compared decoded (`"a"` and `"\u0061"` are the
 * same key). One pass over the bytes; only keys become strings. Invalid JSON is left to
 * JSON.parse to report (what this returns for it means nothing).
 */
export function repeatedJsonKey(bytes: Uint8Array): string | undefined {
  const length = bytes.length;
  // Per open container: its keys so far (objects), or undefined (arrays).
  const open: Array<Set<string> | undefined> = [];
  let keys: Set<string> | undefined;
  let expectKey = false;
  for (let index = 0; index < length; index++) {
    const byte = bytes[index];
    if (byte === QUOTE) {
      const end = stringEnd(bytes, index);
      if (end === -1) return undefined;
      if (expectKey && keys) {
        const key = decodeKey(bytes, index, end);
        if (keys.has(key)) return key;
        keys.add(key);
        expectKey = false;
      }
      index = end;
    } else if (byte === OPEN_OBJECT) {
      open.push(keys);
      keys = new Set();
      expectKey = true;
    } else if (byte === OPEN_ARRAY) {
      open.push(keys);
      keys = undefined;
      expectKey = false;
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      keys = open.pop();
      expectKey = false;
    } else if (byte === COMMA) {
      expectKey = keys !== undefined;
    }
  }
  return undefined;
}

/** The key of the string literal from `open` to `close` (its quotes), decoded. */
function decodeKey(bytes: Uint8Array, open: number, close: number): string {
  // Keys are short and ASCII: built from their bytes, without a Buffer per key.
  let key = '';
  for (let index = open + 1; index < close; index++) {
    const byte = bytes[index];
    if (byte >= 0x80 || byte === BACKSLASH) return decodeSlowly(bytes, open, close);
    key += String.fromCharCode(byte);
  }
  return key;
}

/** A key with escapes or non-ASCII characters, decoded as JSON.parse would. */
function decodeSlowly(bytes: Uint8Array, open: number, close: number): string {
  const literal = Buffer.from(bytes.buffer, bytes.byteOffset + open, close - open + 1).toString('utf8');
  try {
    return JSON.parse(literal) as string;
  } catch {
    return literal;
  }
}
