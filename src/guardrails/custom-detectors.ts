import { RE2JS } from 're2js';
import type { Candidate, Detector } from './detector';
import { boundedDetector } from './detector';
import { KeywordTrie } from './keyword-trie';
import { normalize } from './normalize';

/**
 * Detectors written in the config. Their patterns come from users, so they run on RE2
 * (re2js: linear time whatever the pattern, and patterns that need backtracking, such as
 * back-references and lookaround, are refused when the config loads).
 */

/** Compiles a user pattern; throws with RE2's reason when it is not valid RE2 syntax. */
export function compileUserPattern(source: string, caseInsensitive: boolean): RE2JS {
  return RE2JS.compile(source, caseInsensitive ? RE2JS.CASE_INSENSITIVE : 0);
}

/**
 * A detector for a user regex, run on normalized text. No engine can say in general how much
 * of a text's end could still grow into a match, so a stream holds back `maxLength`
 * characters: a whole match and what a `\b` or `$` after it reads. Matches longer than
 * `maxLength` are not found. A stream re-reads those characters on every chunk, so the cost
 * per chunk grows with `maxLength` (at most 1024), never with the text held.
 */
export function regexDetector(name: string, label: string, source: string, maxLength: number, caseInsensitive: boolean): Detector {
  const pattern = compileUserPattern(source, caseInsensitive);
  const scan = (text: string, from: number): Candidate[] => {
    const matches: Candidate[] = [];
    const matcher = pattern.matcher(text);
    // find(from) searches the whole input from there, so `\b` and look-behind-like context still see what is before it.
    for (let found = matcher.find(from); found; found = matcher.find()) {
      const start = matcher.start();
      const end = matcher.end();
      if (end > start) matches.push({ start, end, accepted: end - start <= maxLength });
    }
    return matches;
  };
  return boundedDetector(name, label, scan, (text) => Math.max(0, text.length - maxLength));
}

/**
 * A detector for a keyword list (banned topics): whole words or phrases, any letter case,
 * normalized like the text they are looked for in; found with a trie (keyword-trie.ts), so
 * the cost does not grow with the number of keywords. The open tail is a trailing partial
 * keyword.
 */
export function keywordDetector(name: string, label: string, keywords: readonly string[]): Detector {
  const trie = new KeywordTrie(keywords.map((keyword) => normalize(keyword).text));
  const scan = (text: string, from: number): Candidate[] => trie.find(text, from).map((match) => ({ ...match, accepted: true }));
  return boundedDetector(name, label, scan, (text) => trie.openTail(text));
}
