import type { DetectorStream, Match, StreamWindow } from './detector';
import { followedDetector, isDigit, isUpper, startsLikeOneOf } from './detector';

/**
 * PEM private-key blocks, from a `-----BEGIN … PRIVATE KEY-----` header to the first footer
 * after it, at most 16 KiB in all. Followed incrementally: headers and footers are searched
 * only in new text (plus the length of one, for a header split across chunks), an open block
 * is remembered by its header's position, and its body is never re-read. A whole text is
 * one push, so a stream and the whole text find the same blocks.
 */

/** The longest block held back: a 4096-bit RSA key is about 3.2 KiB; 16 KiB leaves room for any key in use. */
export const PRIVATE_KEY_MAX = 16_384;
const BEGIN = '-----BEGIN ';
const HEADER = /-----BEGIN (?:[A-Z0-9]{1,12} ){0,3}PRIVATE KEY-----/g;
const FOOTER = /-----END (?:[A-Z0-9]{1,12} ){0,3}PRIVATE KEY-----/g;
/** '-----BEGIN ' + three words of up to 12 + 'PRIVATE KEY-----'. */
const HEADER_LENGTH = 66;
const FOOTER_LENGTH = 64;
const HEADER_CHAR = (c: number): boolean => isUpper(c) || isDigit(c) || c === 32 || c === 45;
const startsHeader = startsLikeOneOf([BEGIN]);

/** Where a header may have begun at the end of the text: a `-` within a header's length, followed only by header characters. */
function partialHeader(text: string): number {
  search: for (let at = text.indexOf('-', Math.max(0, text.length - HEADER_LENGTH)); at !== -1; at = text.indexOf('-', at + 1)) {
    if (!startsHeader(text, at)) continue;
    for (let i = at; i < text.length; i++) if (!HEADER_CHAR(text.charCodeAt(i))) continue search;
    return at;
  }
  return text.length;
}

interface Marker {
  readonly start: number;
  readonly end: number;
  readonly footer: boolean;
}

/** Complete matches of `pattern` in the window that start at or after absolute `from`. */
function markers(pattern: RegExp, window: StreamWindow, from: number, footer: boolean): Marker[] {
  const found: Marker[] = [];
  pattern.lastIndex = Math.max(0, from - window.start);
  for (let match = pattern.exec(window.text); match; match = pattern.exec(window.text)) {
    found.push({ start: window.start + match.index, end: window.start + match.index + match[0].length, footer });
  }
  return found;
}

class PrivateKeyFollower implements DetectorStream {
  open = 0;
  /** Length of the stream read so far. */
  private end = 0;
  private headerFrom = 0;
  private footerFrom = 0;
  /** Headers waiting for a footer, oldest first. */
  private headers: number[] = [];
  /** End of the last block found: headers inside it do not start another. */
  private matchedUntil = 0;

  get needs(): number {
    return Math.max(0, this.end - HEADER_LENGTH);
  }

  push(window: StreamWindow): Match[] {
    const end = window.start + window.text.length;
    const headerFrom = Math.max(this.headerFrom, this.end - HEADER_LENGTH + 1);
    const footerFrom = Math.max(this.footerFrom, this.end - FOOTER_LENGTH + 1);
    // Both start with five dashes: most text has none, and costs one indexOf.
    const dashes = window.text.indexOf('-----', Math.max(0, Math.min(headerFrom, footerFrom) - window.start));
    const found =
      dashes === -1 ? [] : [...markers(HEADER, window, headerFrom, false), ...markers(FOOTER, window, footerFrom, true)].sort((a, b) => a.start - b.start);
    const matches: Match[] = [];
    for (const marker of found) {
      if (!marker.footer) {
        this.headerFrom = marker.end;
        if (marker.start >= this.matchedUntil) this.headers.push(marker.start);
        continue;
      }
      this.footerFrom = marker.end;
      // Headers too far from this footer can never make a block: any later footer is further.
      while (this.headers.length > 0 && marker.end - this.headers[0] > PRIVATE_KEY_MAX) this.headers.shift();
      if (this.headers.length === 0) continue;
      matches.push({ start: this.headers[0], end: marker.end });
      this.headers = [];
      this.matchedUntil = marker.end;
    }
    // A footer still to come ends after `end`: headers that far back are done.
    while (this.headers.length > 0 && end - this.headers[0] >= PRIVATE_KEY_MAX) this.headers.shift();
    this.end = end;
    const partial = window.start + partialHeader(window.text);
    this.open = this.headers.length > 0 ? this.headers[0] : Math.max(partial, this.matchedUntil);
    return matches;
  }

  finish(window: StreamWindow): Match[] {
    const matches = this.push(window);
    this.headers = [];
    this.open = this.end;
    return matches;
  }
}

/** The `private_key` detector. */
export const privateKeyDetector = followedDetector('private_key', 'PRIVATE_KEY', () => new PrivateKeyFollower());
