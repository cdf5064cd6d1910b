import type { Match } from './detector';

/**
 * Keywords (banned topics) as a trie over case-folded UTF-16 units: a text is read once, and
 * each place a word can start costs a walk as long as the text agrees with some keyword. A
 * regular expression alternation of thousands of phrases is tried phrase by phrase at every
 * position instead (10,000 phrases took 9 s on 100 KB).
 */

const WORD_CHAR = /[\p{L}\p{N}_]/u;

/** Whether text[index] is a letter, digit or `_` (what the keyword boundaries look at). */
export function isWordAt(text: string, index: number): boolean {
  if (index < 0 || index >= text.length) return false;
  const c = text.charCodeAt(index);
  if (c < 0x80) return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
  return WORD_CHAR.test(text[index]);
}

const folds = new Map<number, number>();

/** One UTF-16 unit in lower case (when its lower case is one unit); final sigma reads as sigma. */
function fold(c: number): number {
  if (c < 0x80) return c >= 65 && c <= 90 ? c + 32 : c;
  let folded = folds.get(c);
  if (folded === undefined) {
    const lower = String.fromCharCode(c).toLowerCase();
    folded = lower.length === 1 ? lower.charCodeAt(0) : c;
    if (folded === 0x3c2) folded = 0x3c3;
    folds.set(c, folded);
  }
  return folded;
}

interface TrieNode {
  readonly next: Map<number, TrieNode>;
  word: boolean;
}

export class KeywordTrie {
  private readonly root: TrieNode = { next: new Map(), word: false };
  /** The longest keyword, in UTF-16 units. */
  readonly longest: number;

  constructor(words: readonly string[]) {
    let longest = 0;
    for (const word of words) {
      if (word.length === 0) continue;
      let node = this.root;
      for (let i = 0; i < word.length; i++) {
        const c = fold(word.charCodeAt(i));
        let child = node.next.get(c);
        if (!child) node.next.set(c, (child = { next: new Map(), word: false }));
        node = child;
      }
      node.word = true;
      longest = Math.max(longest, word.length);
    }
    this.longest = longest;
  }

  /**
   * Whole-word keywords from `from` on: leftmost first, the longest at each place, not
   * overlapping; a keyword must not have a letter, digit or `_` right before or after it.
   */
  find(text: string, from: number): Match[] {
    const matches: Match[] = [];
    for (let at = from; at < text.length; at++) {
      if (!this.root.next.has(fold(text.charCodeAt(at))) || isWordAt(text, at - 1)) continue;
      const end = this.matchAt(text, at);
      if (end === -1) continue;
      matches.push({ start: at, end });
      at = end - 1;
    }
    return matches;
  }

  /** Where a keyword may have begun at the end of the text (a whole one too: the word may go on). */
  openTail(text: string): number {
    for (let at = Math.max(0, text.length - this.longest); at < text.length; at++) {
      if (this.root.next.has(fold(text.charCodeAt(at))) && !isWordAt(text, at - 1) && this.runsToEnd(text, at)) return at;
    }
    return text.length;
  }

  /** The end of the longest keyword at `at` followed by a word boundary, or -1. */
  private matchAt(text: string, at: number): number {
    let node = this.root;
    let end = -1;
    for (let i = at; i < text.length; i++) {
      const child = node.next.get(fold(text.charCodeAt(i)));
      if (!child) break;
      node = child;
      if (node.word && !isWordAt(text, i + 1)) end = i + 1;
    }
    return end;
  }

  /** Whether text[at…] is all on one path of the trie: more text could still make a keyword. */
  private runsToEnd(text: string, at: number): boolean {
    let node = this.root;
    for (let i = at; i < text.length; i++) {
      const child = node.next.get(fold(text.charCodeAt(i)));
      if (!child) return false;
      node = child;
    }
    return true;
  }
}
