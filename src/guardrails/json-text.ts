import { jsonNestsDeeperThan } from '../api/json-depth';
import type { TextFn } from './response-texts';

/**
 * Text a model reads that may itself be JSON: tool arguments, tool results, a prompt that
 * pastes an API answer. A model reads `jane\u0040example.com` inside such text as the address
 * it encodes, so JSON text is checked by what it decodes to — every string value and every
 * key, each again as text that may be JSON — and then by what is left outside its strings
 * (numbers: a card number written as a JSON number). A text that is not JSON is checked as
 * it is.
 */

/** JSON text nested deeper than this is checked as plain text (the walk is recursive). */
const MAX_DECODED_DEPTH = 64;

/** `fn` on `text`, or on what it decodes to when it is JSON; the text with its findings replaced. */
export function mapText(text: string, fn: TextFn): string {
  const parsed = parseJsonText(text);
  if (parsed === undefined) return fn(text);
  const mapped = mapDecoded(parsed.value, fn);
  const out = mapped === parsed.value ? text : JSON.stringify(mapped);
  return mapOutsideStrings(out, fn);
}

/** Every string and key inside a decoded JSON value, each as text that may be JSON again. */
export function mapDecoded(value: unknown, fn: TextFn): unknown {
  if (typeof value === 'string') return mapText(value, fn);
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let index = 0; index < value.length; index++) {
      const next = mapDecoded(value[index], fn);
      if (next !== value[index]) out ??= value.slice();
      if (out) out[index] = next;
    }
    return out ?? value;
  }
  if (typeof value !== 'object' || value === null) return value;
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  let out: Record<string, unknown> | undefined;
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index];
    const name = mapText(key, fn);
    const next = mapDecoded(object[key], fn);
    if (out === undefined && (name !== key || next !== object[key])) out = copyKeys(object, keys, index);
    if (out) setOwn(out, name, next);
  }
  return out ?? object;
}

/** A new object with the first `count` keys of `object`. */
export function copyKeys(object: Record<string, unknown>, keys: readonly string[], count: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let index = 0; index < count; index++) setOwn(out, keys[index], object[keys[index]]);
  return out;
}

/** Sets an own property, `__proto__` included (as JSON.parse does). */
export function setOwn(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  else object[key] = value;
}

function parseJsonText(text: string): { value: unknown } | undefined {
  const first = firstNonSpace(text);
  // '{' '[' '"': an object, an array or a string literal; anything else is read as it is.
  if (first !== 0x7b && first !== 0x5b && first !== 0x22) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (jsonNestsDeeperThan(Buffer.from(text, 'utf8'), MAX_DECODED_DEPTH)) return undefined;
  return { value };
}

/** The code of the first character that is not JSON whitespace (NaN for none). */
function firstNonSpace(text: string): number {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09) return code;
  }
  return NaN;
}

/**
 * `fn` on the JSON text with each string literal emptied (its strings were checked decoded):
 * what it finds there (numbers) is replaced in place. Only when that part has a digit.
 */
function mapOutsideStrings(json: string, fn: TextFn): string {
  const { pieces, literals } = splitStringLiterals(json);
  const skeleton = pieces.join('""');
  if (!/[0-9]/.test(skeleton)) return json;
  const checked = fn(skeleton);
  if (checked === skeleton) return json;
  // Placeholders hold no quote, so the emptied literals still mark where each string goes.
  const redacted = checked.split('""');
  if (redacted.length !== pieces.length) return checked; // a finding spanned a string: keep the redacted skeleton alone
  let out = redacted[0];
  for (let index = 0; index < literals.length; index++) out += literals[index] + redacted[index + 1];
  return out;
}

/** JSON text cut at its string literals: `pieces` around them (one more than `literals`). */
function splitStringLiterals(json: string): { pieces: string[]; literals: string[] } {
  const pieces: string[] = [];
  const literals: string[] = [];
  let from = 0;
  let index = json.indexOf('"');
  while (index !== -1) {
    let end = index + 1;
    for (;;) {
      const quote = json.indexOf('"', end);
      if (quote === -1) {
        end = json.length;
        break;
      }
      let backslashes = 0;
      while (json.charCodeAt(quote - 1 - backslashes) === 0x5c) backslashes++;
      end = quote + 1;
      if (backslashes % 2 === 0) break;
    }
    pieces.push(json.slice(from, index));
    literals.push(json.slice(index, end));
    from = end;
    index = json.indexOf('"', from);
  }
  pieces.push(json.slice(from));
  return { pieces, literals };
}
