/** A span of text a detector found: [start, end) in UTF-16 code units. */
export interface Match {
  readonly start: number;
  readonly end: number;
}

/**
 * A span a detector's scan took: a match, or text its pattern matched and a check then
 * refused (a card number failing Luhn). A scan goes on after either, so a stream must not
 * resume inside one: it would find what the whole text does not.
 */
export interface Candidate extends Match {
  readonly accepted: boolean;
}

/** What a scan accepted. */
export const accepted = (candidates: readonly Candidate[]): Match[] => candidates.filter((candidate) => candidate.accepted).map(({ start, end }) => ({ start, end }));

/**
 * Finds one kind of sensitive text. Every detector runs in time linear in the text (its
 * patterns have bounded repetition and no ambiguous nesting, or run on an RE2 engine), and
 * can follow a stream of text incrementally, so a stream holds back only what could still
 * become a match and re-reads a bounded amount of text per chunk.
 */
export interface Detector {
  /** Config name, e.g. `email`; a metric label. */
  readonly name: string;
  /** Placeholder type, e.g. `EMAIL` for `[EMAIL_1]`. */
  readonly label: string;
  /**
   * Matches in order, not overlapping each other, that start at or after `from` (default 0);
   * the text before `from` is read only as look-behind context.
   */
  find(text: string, from?: number): Match[];
  /**
   * Where the longest suffix of `text` that could be the beginning of a match starts
   * (`text.length` when none could): a stream holds the text from there until more arrives.
   */
  openTail(text: string): number;
  /** A follower for one stream of text. */
  follow(): DetectorStream;
}

/** The end of a stream as a follower sees it: `text` is the stream's text from offset `start` to its end. */
export interface StreamWindow {
  readonly text: string;
  readonly start: number;
}

/**
 * One detector following one growing stream of text (positions are offsets in the whole
 * stream). Each push gives a window that starts at or before the follower's `needs`.
 */
export interface DetectorStream {
  /** The stream grew; returns the matches that became final (no later text can change them), in order. */
  push(window: StreamWindow): Match[];
  /** The stream ended; returns the remaining matches. */
  finish(window: StreamWindow): Match[];
  /** Where undecided text starts: every match starting before it has been returned. */
  readonly open: number;
  /** The first position the next push must include (look-behind context included). */
  readonly needs: number;
}

/** Characters before a follower's open position that a re-scan reads as look-behind. */
export const LOOK_BEHIND = 16;

/**
 * An open tail that is a trailing run of the characters a match is made of: from the first
 * position, at most `maxLength` from the end, where `canStart` holds (see trailingRun).
 * `canStart` must be decided by the characters up to a word's length after the position:
 * once false with those known, it stays false.
 */
export interface RunTail {
  readonly inRun: (code: number) => boolean;
  readonly maxLength: number;
  readonly canStart: (text: string, at: number) => boolean;
}

/**
 * Follows a stream for a detector whose matches and open tail are bounded in length: each
 * push re-reads only the text from its open position (plus look-behind), which the detector's
 * open tail keeps within its longest match. Matches that end before the open tail are final.
 * With a RunTail the tail itself is kept up to date from the new characters only (the run's
 * start is tracked, and a position found unable to start a match is not tried again), so a
 * chunk costs what it holds, not the length of the run it extends.
 */
export class BoundedFollower implements DetectorStream {
  open = 0;
  /** Run tails: where the trailing run starts, how far it was read, and the tail found last. */
  private runStart = 0;
  private read = 0;
  private tail = 0;

  constructor(
    private readonly scan: (text: string, from: number) => Candidate[],
    private readonly openTail: (text: string) => number,
    private readonly run?: RunTail,
  ) {}

  get needs(): number {
    return Math.max(0, this.open - LOOK_BEHIND);
  }

  push(window: StreamWindow): Match[] {
    const from = this.open - window.start;
    const candidates = this.scan(window.text, from);
    const tail = Math.max(from, this.run ? this.runTail(window) - window.start : this.openTail(window.text));
    let open = window.text.length;
    const final: Match[] = [];
    for (const candidate of candidates) {
      if (candidate.end > tail) {
        open = candidate.start;
        break;
      }
      if (candidate.accepted) final.push({ start: window.start + candidate.start, end: window.start + candidate.end });
    }
    this.open = window.start + Math.min(open, tail);
    return final;
  }

  finish(window: StreamWindow): Match[] {
    const matches = accepted(this.scan(window.text, this.open - window.start));
    this.open = window.start + window.text.length;
    return matches.map((match) => ({ start: window.start + match.start, end: window.start + match.end }));
  }

  /** The run tail of the stream so far (absolute), reading only characters not read before. */
  private runTail(window: StreamWindow): number {
    const run = this.run as RunTail;
    const text = window.text;
    const end = window.start + text.length;
    // Backwards from the end over the new characters: the first one outside the run (if any) starts it anew.
    const read = this.read - window.start;
    let i = text.length - 1;
    while (i >= read && run.inRun(text.charCodeAt(i))) i--;
    if (i >= read) this.runStart = window.start + i + 1;
    this.read = end;
    let at = Math.max(this.runStart, end - run.maxLength, this.tail);
    while (at < end && !run.canStart(text, at - window.start)) at++;
    this.tail = at;
    return at;
  }
}

/** A scan from `from` (the text before it read only as look-behind). */
export type Scan = (text: string, from: number) => Candidate[];

/** A detector from a scan and an open tail that are bounded in length. */
export function boundedDetector(name: string, label: string, scan: Scan, openTail: Detector['openTail']): Detector {
  return { name, label, find: (text, from = 0) => accepted(scan(text, from)), openTail, follow: () => new BoundedFollower(scan, openTail) };
}

/** A detector whose open tail is a trailing run (RunTail): streams keep it incrementally. */
export function runDetector(name: string, label: string, scan: Scan, tail: RunTail): Detector {
  const openTail = (text: string): number => trailingRun(text, tail.inRun, tail.maxLength, tail.canStart);
  return { name, label, find: (text, from = 0) => accepted(scan(text, from)), openTail, follow: () => new BoundedFollower(scan, openTail, tail) };
}

/** A detector whose stream follower does the work; a whole text is one push and the end. */
export function followedDetector(name: string, label: string, follow: () => DetectorStream): Detector {
  return {
    name,
    label,
    find(text, from = 0) {
      const follower = follow();
      const window = { text, start: 0 };
      return [...follower.push(window), ...follower.finish(window)].filter((match) => match.start >= from);
    },
    openTail(text) {
      const follower = follow();
      follower.push({ text, start: 0 });
      return follower.open;
    },
    follow,
  };
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

/** Runs a global regular expression from `from`; a candidate is accepted when `accept` agrees with it. */
export function regexCandidates(pattern: RegExp, text: string, accept?: (value: string) => boolean, from = 0): Candidate[] {
  const candidates: Candidate[] = [];
  pattern.lastIndex = from;
  for (let found = pattern.exec(text); found; found = pattern.exec(text)) {
    if (found[0].length === 0) {
      pattern.lastIndex++;
      continue;
    }
    candidates.push({ start: found.index, end: found.index + found[0].length, accepted: !accept || accept(found[0]) });
  }
  return candidates;
}

export const isDigit = (c: number): boolean => c >= 48 && c <= 57;
export const isUpper = (c: number): boolean => c >= 65 && c <= 90;
export const isLower = (c: number): boolean => c >= 97 && c <= 122;
export const isAlnum = (c: number): boolean => isDigit(c) || isUpper(c) || isLower(c);
export const isHex = (c: number): boolean => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
