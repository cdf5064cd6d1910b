import type { DetectorStream, Match, StreamWindow } from './detector';
import { followedDetector, isAlnum } from './detector';

/**
 * JSON Web Tokens: three runs of base64url characters joined by single dots, the first two
 * starting `eyJ` (a JSON object's `{"`), of 11-4099, 11-4099 and 16-4096 characters, with
 * no base64url character around them. This is what
 *   (?<![\w-])eyJ[\w-]{8,4096}\.eyJ[\w-]{8,4096}\.[\w-]{16,4096}(?![\w-])
 * finds, written as a machine over runs so a stream reads each character once: it keeps the
 * two runs before the current one, never the text.
 */

const SEGMENT_MAX = 4099;
const SIGNATURE_MIN = 16;
const SIGNATURE_MAX = 4096;
const HEADER_MIN = 11;
const EYJ = [101, 121, 74]; // e y J
const DOT = 46;
const BASE64URL = (c: number): boolean => isAlnum(c) || c === 95 || c === 45;

interface Run {
  readonly start: number;
  length: number;
  /** How many of `eyJ`'s characters it starts with so far; -1 once it differs. */
  prefix: number;
}

const canBeHeader = (run: Run | undefined): boolean => run !== undefined && run.prefix === 3 && run.length >= HEADER_MIN && run.length <= SEGMENT_MAX;
const mayBecomeHeader = (run: Run): boolean => run.prefix >= 0 && run.length <= SEGMENT_MAX;

class JwtFollower implements DetectorStream {
  open = 0;
  private end = 0;
  /** The run being read, if the last character was base64url. */
  private current: Run | undefined;
  /** The two runs before it, each joined to the next by one dot. */
  private first: Run | undefined;
  private second: Run | undefined;
  /** The last character is a dot right after a run: a run starting now continues the chain. */
  private afterDot = false;

  get needs(): number {
    return this.end;
  }

  push(window: StreamWindow): Match[] {
    const matches: Match[] = [];
    const text = window.text;
    for (let i = this.end - window.start; i < text.length; i++) {
      if (this.idle()) {
        i = this.skip(text, i);
        if (i >= text.length) break;
      }
      const c = text.charCodeAt(i);
      if (BASE64URL(c)) {
        let run = this.current;
        if (!run) {
          if (!this.afterDot) this.first = this.second = undefined;
          run = this.current = { start: window.start + i, length: 0, prefix: 0 };
          this.afterDot = false;
        }
        if (run.prefix >= 0 && run.prefix < 3) run.prefix = c === EYJ[run.prefix] ? run.prefix + 1 : -1;
        run.length++;
      } else if (this.current) {
        this.endRun(matches);
        this.afterDot = c === DOT;
      } else {
        this.afterDot = false;
        this.first = this.second = undefined;
      }
    }
    this.end = window.start + text.length;
    this.open = this.openAt();
    return matches;
  }

  finish(window: StreamWindow): Match[] {
    const matches = this.push(window);
    if (this.current) this.endRun(matches);
    this.first = this.second = undefined;
    this.afterDot = false;
    this.open = this.end;
    return matches;
  }

  /** No token can be under way: only a run starting with `eyJ` can begin one. */
  private idle(): boolean {
    return !canBeHeader(this.second) && (!this.current || !mayBecomeHeader(this.current));
  }

  /**
   * From an idle state at `i`, the next position worth reading: the next `eyJ` that starts a run
   * (most text has none: one indexOf), else the last two characters (a split `eyJ`). The runs
   * skipped can play no part in a token, so the chain starts afresh.
   */
  private skip(text: string, i: number): number {
    let next = text.indexOf('eyJ', i);
    // A run starts there when the character before is not base64url (at `i`: when no run is under way).
    while (next !== -1 && (next === i ? this.current !== undefined : BASE64URL(text.charCodeAt(next - 1)))) next = text.indexOf('eyJ', next + 1);
    const to = next === -1 ? Math.max(i, text.length - 2) : next;
    if (to === i) return i;
    this.first = this.second = undefined;
    this.afterDot = false;
    // Inside a run that cannot become a header: remember it is one, so its rest starts nothing.
    this.current = BASE64URL(text.charCodeAt(to - 1)) ? { start: to, length: 1, prefix: -1 } : undefined;
    return to;
  }

  private endRun(matches: Match[]): void {
    const run = this.current;
    if (!run) return;
    this.current = undefined;
    if (canBeHeader(this.first) && canBeHeader(this.second) && run.length >= SIGNATURE_MIN && run.length <= SIGNATURE_MAX) {
      matches.push({ start: this.first?.start ?? run.start, end: run.start + run.length });
      this.first = this.second = undefined;
      return;
    }
    this.first = this.second;
    this.second = run;
  }

  /** The earliest start of a token that more text could still complete. */
  private openAt(): number {
    const run = this.current;
    const chained = run !== undefined || this.afterDot;
    if (!chained) return this.end;
    if (canBeHeader(this.first) && canBeHeader(this.second) && (!run || run.length <= SIGNATURE_MAX)) return this.first?.start ?? this.end;
    if (canBeHeader(this.second) && (!run || mayBecomeHeader(run))) return this.second?.start ?? this.end;
    if (run && mayBecomeHeader(run)) return run.start;
    return this.end;
  }
}

/** The `jwt` detector. */
export const jwtDetector = followedDetector('jwt', 'JWT', () => new JwtFollower());
