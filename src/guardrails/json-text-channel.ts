/**
 * Checks JSON text that arrives in fragments (streamed tool-call arguments) as the values a
 * client will read: each string (keys too) is decoded as it arrives — escapes and `\uXXXX`
 * surrogate pairs may be split anywhere — and its decoded text goes through a sink of its
 * own (a TextChannel); what the sink releases is escaped again, so the JSON stays valid with
 * a redacted value. Structure (braces, commas, whitespace) passes as it comes; a bare token
 * (number, `true`, anything unquoted) is checked whole when it ends and, if a check changed
 * it, sent as a JSON string. Text that is not JSON from some point on is checked as raw text
 * from that point, what the string's sink still held included, so nothing passes unchecked.
 */

/** What checks one text as it arrives: `push` returns what may go out now, `flush` the rest. */
export interface TextSink {
  push(text: string): string;
  flush(): string;
}

type Mode = 'structure' | 'string' | 'bare' | 'raw';

/** Longest unquoted token held whole; a longer one is no JSON value: checked as raw text. */
const MAX_BARE = 256;

const STRING_SPECIAL = /["\\\u0000-\u001f]/g;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
const LITERALS = new Set(['true', 'false', 'null']);

const isStructure = (c: string): boolean => c === '{' || c === '}' || c === '[' || c === ']' || c === ',' || c === ':' || c === ' ' || c === '\t' || c === '\n' || c === '\r';
const isBare = (c: string): boolean => /^[A-Za-z0-9+\-.]$/.test(c);
const isHexDigit = (c: string): boolean => /^[0-9A-Fa-f]$/.test(c);
const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;

/** Text as the inside of a JSON string. */
export function escapeJsonString(text: string): string {
  return text === '' ? '' : JSON.stringify(text).slice(1, -1);
}

export class JsonTextChannel {
  private mode: Mode = 'structure';
  /** The current string's (or raw text's) sink. */
  private sink: TextSink | undefined;
  /** An escape begun but not finished (`\`, `\u12`), as received. */
  private escape = '';
  /** A decoded high surrogate waiting for its pair, so a sink never sees half a character. */
  private carry = '';
  /** The bare token so far. */
  private bare = '';

  constructor(private readonly open: () => TextSink) {}

  /** Adds a fragment of the JSON text; returns what can be sent now. */
  push(fragment: string): string {
    let out = '';
    let decoded = '';
    let at = 0;
    while (at < fragment.length) {
      if (this.mode === 'raw') {
        out += this.sink!.push(fragment.slice(at));
        return out;
      }
      if (this.mode === 'structure') {
        const c = fragment[at];
        if (isStructure(c)) {
          out += c;
          at++;
        } else if (c === '"') {
          out += '"';
          this.mode = 'string';
          this.sink = this.open();
          at++;
        } else if (isBare(c)) {
          this.mode = 'bare';
          this.bare = '';
        } else {
          return out + this.toRaw(fragment.slice(at), '');
        }
        continue;
      }
      if (this.mode === 'bare') {
        const c = fragment[at];
        if (isBare(c)) {
          this.bare += c;
          at++;
          if (this.bare.length > MAX_BARE) return out + this.toRaw(fragment.slice(at), '');
        } else if (isStructure(c)) {
          out += this.endBare();
          this.mode = 'structure';
        } else {
          // `"` or anything else right after a bare token is not JSON: the token is part of the raw text.
          return out + this.toRaw(fragment.slice(at), '');
        }
        continue;
      }
      // Inside a string: an escape under way first, then a plain run up to the next special character.
      if (this.escape !== '') {
        const c = fragment[at];
        const value = this.continueEscape(c);
        if (value === undefined) return out + this.toRaw(fragment.slice(at), decoded);
        decoded += value;
        at++;
        continue;
      }
      STRING_SPECIAL.lastIndex = at;
      const special = STRING_SPECIAL.exec(fragment);
      const end = special ? special.index : fragment.length;
      decoded += fragment.slice(at, end);
      at = end;
      if (!special) break;
      if (special[0] === '\\') {
        this.escape = '\\';
        at++;
      } else if (special[0] === '"') {
        out += this.endString(decoded);
        decoded = '';
        at++;
      } else {
        return out + this.toRaw(fragment.slice(at), decoded);
      }
    }
    if (this.mode === 'string') out += this.send(decoded);
    return out;
  }

  /** At the end of the text: everything held, checked as final. */
  flush(): string {
    switch (this.mode) {
      case 'string': {
        const sink = this.sink!;
        const out = escapeJsonString(sink.push(this.carry) + sink.flush()) + this.escape;
        this.carry = '';
        this.escape = '';
        this.mode = 'structure';
        return out;
      }
      case 'bare':
        this.mode = 'structure';
        return this.endBare();
      case 'raw':
        return this.sink!.flush();
      default:
        return '';
    }
  }

  /** One more character of an escape: its decoded text when complete, '' while not, undefined when invalid. */
  private continueEscape(c: string): string | undefined {
    if (this.escape === '\\') {
      if (c === 'u') {
        this.escape = '\\u';
        return '';
      }
      const value = ESCAPES[c];
      if (value !== undefined) this.escape = '';
      return value;
    }
    if (!isHexDigit(c)) return undefined;
    this.escape += c;
    if (this.escape.length < 6) return '';
    const value = String.fromCharCode(parseInt(this.escape.slice(2), 16));
    this.escape = '';
    return value;
  }

  /** Decoded text of the current string to its sink (a trailing high surrogate waits); the sink's release, escaped. */
  private send(decoded: string): string {
    let text = this.carry + decoded;
    this.carry = '';
    if (text !== '' && isHighSurrogate(text.charCodeAt(text.length - 1))) {
      this.carry = text.slice(-1);
      text = text.slice(0, -1);
    }
    return text === '' ? '' : escapeJsonString(this.sink!.push(text));
  }

  private endString(decoded: string): string {
    const sink = this.sink!;
    const text = this.carry + decoded;
    this.carry = '';
    this.mode = 'structure';
    this.sink = undefined;
    return escapeJsonString(sink.push(text) + sink.flush()) + '"';
  }

  private endBare(): string {
    const token = this.bare;
    this.bare = '';
    if (LITERALS.has(token)) return token;
    const sink = this.open();
    const checked = sink.push(token) + sink.flush();
    return checked === token ? token : JSON.stringify(checked);
  }

  /**
   * Not JSON from here on: the rest is checked as raw text in one sink, after what is still
   * unsent of the current value (as it was written, so the text reads on unchanged).
   */
  private toRaw(rest: string, decoded: string): string {
    let out = '';
    let held = '';
    if (this.mode === 'string') {
      const sink = this.sink!;
      out = escapeJsonString(sink.push(this.carry + decoded));
      held = escapeJsonString(sink.flush()) + this.escape;
    } else if (this.mode === 'bare') {
      held = this.bare;
    }
    this.carry = '';
    this.escape = '';
    this.bare = '';
    this.mode = 'raw';
    this.sink = this.open();
    return out + this.sink.push(held + rest);
  }
}

/**
 * JSON text checked whole with `fn` on each value (as JsonTextChannel does in a stream); the
 * text itself when `fn` changed nothing, so unchanged arguments keep their bytes. Text that
 * is not JSON (a model's prose, a cut-off object) is one text for `fn`: a stream can only
 * fall back from where the JSON broke, but a whole text has nothing sent yet, so nothing in
 * it passes as structure.
 */
export function rewriteJsonText(text: string, fn: (text: string) => string): string {
  try {
    JSON.parse(text);
  } catch {
    return fn(text);
  }
  let changed = false;
  const channel = new JsonTextChannel(() => {
    let whole = '';
    return {
      push: (part) => {
        whole += part;
        return '';
      },
      flush: () => {
        const checked = fn(whole);
        if (checked !== whole) changed = true;
        return checked;
      },
    };
  });
  const out = channel.push(text) + channel.flush();
  return changed ? out : text;
}
