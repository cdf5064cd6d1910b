import { stringEnd } from './json-depth';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;

/** What one pass over a request body's JSON text found, before JSON.parse. */
export interface JsonStructure {
  /** Arrays and objects nest deeper than the limit (the pass stopped there). */
  readonly tooDeep: boolean;
  /** The first key an object has twice, if any. */
  readonly repeatedKey?: string;
}

/**
 * One pass over JSON text for what JSON.parse does not report: nesting deeper than
 * `maxDepth` (`[]` is depth 1; JSON.stringify and recursive walkers overflow the stack on a
 * few thousand levels), and a key an object has twice (JSON.parse keeps the last of two equal
 * keys; a gateway that checks what JSON.parse returned but forwards the client's bytes would
 * let the first one through unchecked, and providers' parsers do not all agree on which one
 * wins). Keys are compared decoded (`"a"` and `"\u0061"` are the same key); only keys become
 * strings, and an object's keys are compared in a short list (most objects have a few).
 * Invalid JSON is left to JSON.parse to report (what this returns for it means nothing).
 */
export function jsonStructure(bytes: Buffer, maxDepth: number): JsonStructure {
  const length = bytes.length;
  // Per open container: its keys so far (objects), or undefined (arrays).
  const open: Array<string[] | undefined> = [];
  let keys: string[] | undefined;
  let expectKey = false;
  let repeatedKey: string | undefined;
  for (let index = 0; index < length; index++) {
    const byte = bytes[index];
    if (byte === QUOTE) {
      const end = stringEnd(bytes, index);
      if (end === -1) break;
      if (expectKey && keys && repeatedKey === undefined) {
        const key = decodeKey(bytes, index, end);
        if (keys.includes(key)) repeatedKey = key;
        else keys.push(key);
        expectKey = false;
      }
      index = end;
    } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      open.push(keys);
      if (open.length > maxDepth) return { tooDeep: true };
      keys = byte === OPEN_OBJECT ? [] : undefined;
      expectKey = keys !== undefined;
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      keys = open.pop();
      expectKey = false;
    } else if (byte === COMMA) {
      expectKey = keys !== undefined;
    }
  }
  return repeatedKey === undefined ? { tooDeep: false } : { tooDeep: false, repeatedKey };
}

/** The first key that an object of this JSON text has twice, or undefined (any depth). */
export function repeatedJsonKey(bytes: Buffer): string | undefined {
  return jsonStructure(bytes, Number.POSITIVE_INFINITY).repeatedKey;
}

/** The key of the string literal from `open` to `close` (its quotes), decoded. */
function decodeKey(bytes: Buffer, open: number, close: number): string {
  // Keys are short and ASCII: built from their bytes, without a native call per key.
  let key = '';
  for (let index = open + 1; index < close; index++) {
    const byte = bytes[index];
    if (byte >= 0x80 || byte === BACKSLASH) return decodeSlowly(bytes, open, close);
    key += String.fromCharCode(byte);
  }
  return key;
}

/** A key with escapes or non-ASCII characters, decoded as JSON.parse would. */
function decodeSlowly(bytes: Buffer, open: number, close: number): string {
  const literal = bytes.toString('utf8', open, close + 1);
  try {
    return JSON.parse(literal) as string;
  } catch {
    return literal;
  }
}
