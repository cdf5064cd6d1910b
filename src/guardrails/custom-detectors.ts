import { RE2JS } from 're2js';
import type { Detector, Match } from './detector';

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
 * A detector for a user regex. No engine can say in general how much of a text's end could
 * still grow into a match, so a stream holds back `maxLength - 1` characters: the most a
 * match can have already shown. Matches longer than `maxLength` are not found.
 */
export function regexDetector(name: string, label: string, source: string, maxLength: number, caseInsensitive: boolean): Detector {
  const pattern = compileUserPattern(source, caseInsensitive);
  return {
    name,
    label,
    find(text: string): Match[] {
      const matches: Match[] = [];
      const matcher = pattern.matcher(text);
      while (matcher.find()) {
        const start = matcher.start();
        const end = matcher.end();
        if (end > start && end - start <= maxLength) matches.push({ start, end });
      }
      return matches;
    },
    openTail: (text) => Math.max(0, text.length - (maxLength - 1)),
  };
}

const WORD_CHAR = /[\p{L}\p{N}_]/u;

function isWordAt(text: string, index: number): boolean {
  return index >= 0 && index < text.length && WORD_CHAR.test(text[index]);
}

/**
 * A detector for a keyword list (banned topics): whole words or phrases, any letter case.
 * One alternation of escaped literals, longest first; the open tail is a trailing partial
 * word that some keyword starts with, found through a set of every keyword prefix.
 */
export function keywordDetector(name: string, label: string, keywords: readonly string[]): Detector {
  const words = [...new Set(keywords.map((keyword) => keyword.toLowerCase()))].sort((a, b) => b.length - a.length);
  const escaped = words.map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}_])(?:${escaped.join('|')})(?![\\p{L}\\p{N}_])`, 'giu');
  const prefixes = new Set<string>();
  for (const word of words) for (let length = 1; length <= word.length; length++) prefixes.add(word.slice(0, length));
  const longest = words[0]?.length ?? 0;
  return {
    name,
    label,
    find(text: string): Match[] {
      const matches: Match[] = [];
      pattern.lastIndex = 0;
      for (let found = pattern.exec(text); found; found = pattern.exec(text)) matches.push({ start: found.index, end: found.index + found[0].length });
      return matches;
    },
    openTail(text: string): number {
      // A whole keyword at the very end is open too: the next character may continue the word.
      for (let at = Math.max(0, text.length - longest); at < text.length; at++) {
        if (!isWordAt(text, at - 1) && prefixes.has(text.slice(at).toLowerCase())) return at;
      }
      return text.length;
    },
  };
}
