/** A span of text a detector found: [start, end) in UTF-16 code units. */
export interface Match {
  readonly start: number;
  readonly end: number;
}

/**
 * Finds one kind of sensitive text. Every detector runs in time linear in the text (its
 * patterns have bounded repetition and no ambiguous nesting, or run on an RE2 engine), and
 * says how much of a text's end could still grow into a match, so a stream holds back only that.
 */
export interface Detector {
  /** Config name, e.g. `email`; a metric label. */
  readonly name: string;
  /** Placeholder type, e.g. `EMAIL` for `[EMAIL_1]`. */
  readonly label: string;
  /** Matches in order, not overlapping each other. */
  find(text: string): Match[];
  /**
   * Where the longest suffix of `text` that could be the beginning of a match starts
   * (`text.length` when none could): a stream holds the text from there until more arrives.
   */
  openTail(text: string): number;
}

/**
 * Start of the longest trailing run of characters accepted by `inRun` (at most `maxLength`
 * long), moved forward to the first position where `canStart` holds: the open tail of
 * detectors whose matches are runs of such characters. Linear in the run's length.
 */
export function trailingRun(text: string, inRun: (code: number) => boolean, maxLength: number, canStart: (text: string, at: number) => boolean): number {
  const floor = Math.max(0, text.length - maxLength);
  let start = text.length;
  while (start > floor && inRun(text.charCodeAt(start - 1))) start--;
  for (let at = start; at < text.length; at++) if (canStart(text, at)) return at;
  return text.length;
}

/**
 * Where text[at…] is a prefix of one of `words`, or starts with one of them, and the
 * character before is not one `notAfter` rules out (the pattern's look-behind).
 */
export function startsLikeOneOf(words: readonly string[], notAfter?: (code: number) => boolean): (text: string, at: number) => boolean {
  return (text, at) =>
    !(notAfter && at > 0 && notAfter(text.charCodeAt(at - 1))) &&
    words.some((word) => {
      const length = Math.min(word.length, text.length - at);
      return text.startsWith(word.slice(0, length), at);
    });
}

/** Runs a global regular expression and keeps the matches `accept` agrees with. */
export function regexMatches(pattern: RegExp, text: string, accept?: (value: string) => boolean): Match[] {
  const matches: Match[] = [];
  pattern.lastIndex = 0;
  for (let found = pattern.exec(text); found; found = pattern.exec(text)) {
    if (found[0].length === 0) {
      pattern.lastIndex++;
      continue;
    }
    if (!accept || accept(found[0])) matches.push({ start: found.index, end: found.index + found[0].length });
  }
  return matches;
}

export const isDigit = (c: number): boolean => c >= 48 && c <= 57;
export const isUpper = (c: number): boolean => c >= 65 && c <= 90;
export const isLower = (c: number): boolean => c >= 97 && c <= 122;
export const isAlnum = (c: number): boolean => isDigit(c) || isUpper(c) || isLower(c);
export const isHex = (c: number): boolean => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
