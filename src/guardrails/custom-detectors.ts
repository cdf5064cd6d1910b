import { RE2JS } from 're2js';
import type { Candidate, Detector } from './detector';
import { boundedDetector } from './detector';
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

const WORD_CHAR = /[\p{L}\p{N}_]/u;

function isWordAt(text: string, index: number): boolean {
  if (index < 0 || index >= text.length) return false;
  const c = text.charCodeAt(index);
  if (c < 0x80) return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
  return WORD_CHAR.test(text[index]);
}

/**
 * A detector for a keyword list (banned topics): whole words or phrases, any letter case.
 * One alternation of escaped literals, longest first; the open tail is a trailing partial
 * word that some keyword starts with, found through a set of every keyword prefix.
 */
export function keywordDetector(name: string, label: string, keywords: readonly string[]): Detector {
  // Keywords are normalized like the text they are looked for in.
  const words = [...new Set(keywords.map((keyword) => normalize(keyword).text.toLowerCase()))].sort((a, b) => b.length - a.length);
  const escaped = words.map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}_])(?:${escaped.join('|')})(?![\\p{L}\\p{N}_])`, 'giu');
  const prefixes = new Set<string>();
  for (const word of words) for (let length = 1; length <= word.length; length++) prefixes.add(word.slice(0, length));
  const longest = words[0]?.length ?? 0;
  const scan = (text: string, from: number): Candidate[] => {
    const matches: Candidate[] = [];
    pattern.lastIndex = from;
    for (let found = pattern.exec(text); found; found = pattern.exec(text)) matches.push({ start: found.index, end: found.index + found[0].length, accepted: true });
    return matches;
  };
  const openTail = (text: string): number => {
    // A whole keyword at the very end is open too: the next character may continue the word.
    for (let at = Math.max(0, text.length - longest); at < text.length; at++) {
      if (!isWordAt(text, at - 1) && prefixes.has(text.slice(at).toLowerCase())) return at;
    }
    return text.length;
  };
  return boundedDetector(name, label, scan, openTail);
}
