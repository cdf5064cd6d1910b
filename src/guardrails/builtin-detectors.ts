import { isIPv6 } from 'node:net';
import type { Candidate, Detector, RunTail } from './detector';
import { isAlnum, isDigit, isHex, isUpper, regexCandidates, runDetector, startsLikeOneOf } from './detector';
import { jwtDetector } from './jwt';
import { privateKeyDetector } from './private-key';
import { isCardNumber, isIban, isPhoneNumber } from './validators';

/**
 * The detectors the gateway ships. Every pattern here is written to run in linear time on
 * any input: repetition is bounded, and each repeated group starts with a character that
 * decides it (no two ways to match the same text), so a failed attempt cannot backtrack
 * more than a bounded number of steps. Adversarial inputs for each are in the tests.
 * Detectors read normalized text (see normalize.ts): ASCII digits and spaces, no zero-width
 * characters. Each open tail holds at least the longest match its pattern can have.
 */

const UNICODE_WORD = /^[\p{L}\p{N}\p{M}]$/u;
/** Per UTF-16 unit: 0 not known yet, 1 a letter, digit or mark of the Basic Multilingual Plane, 2 not. */
const unicodeWordUnits = new Uint8Array(0x10000);
/** Letters, digits and marks beyond ASCII: internationalized addresses (RFC 6531) use them in both parts. */
function isUnicodeWord(c: number): boolean {
  if (c < 0x80 || (c >= 0xd800 && c <= 0xdfff)) return false;
  if (unicodeWordUnits[c] === 0) unicodeWordUnits[c] = UNICODE_WORD.test(String.fromCharCode(c)) ? 1 : 2;
  return unicodeWordUnits[c] === 1;
}
const EMAIL_LOCAL = (c: number): boolean => isAlnum(c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45 || isUnicodeWord(c); // . _ % + -
const EMAIL_DOMAIN = (c: number): boolean => isAlnum(c) || c === 45 || isUnicodeWord(c); // -
/** A top-level domain: letters (any script), or an IDNA A-label (`xn--…`). */
const TLD = /^(?:\p{L}[\p{L}\p{M}]{1,62}|xn--[a-z0-9-]{1,59})$/iu;
const AT = 64;
const DOT = 46;

/** Emails, found from each `@`: a cheap anchor, so prose without one costs a single indexOf. */
function findEmails(text: string, from = 0): Candidate[] {
  const matches: Candidate[] = [];
  let floor = from;
  for (let at = text.indexOf('@', from); at !== -1; at = text.indexOf('@', at + 1)) {
    if (at < floor) continue;
    let start = at;
    while (start > floor && at - start < 64 && EMAIL_LOCAL(text.charCodeAt(start - 1))) start--;
    while (start < at && text.charCodeAt(start) === DOT) start++;
    if (start === at) continue;
    let end = at + 1;
    let label = 0;
    let lastDot = -1;
    while (end < text.length && end - at <= 254) {
      const c = text.charCodeAt(end);
      if (EMAIL_DOMAIN(c) && label < 63) label++;
      else if (c === DOT && label > 0) {
        lastDot = end;
        label = 0;
      } else break;
      end++;
    }
    // A sentence's full stop after the address is not part of it.
    while (end > at + 1 && (text.charCodeAt(end - 1) === DOT || text.charCodeAt(end - 1) === 45)) end--;
    if (lastDot >= end) lastDot = text.lastIndexOf('.', end - 1);
    if (lastDot <= at + 1) continue;
    if (!TLD.test(text.slice(lastDot + 1, end))) continue;
    matches.push({ start, end, accepted: true });
    floor = end;
  }
  return matches;
}

function regexDetector(
  name: string,
  label: string,
  pattern: RegExp,
  tail: RunTail,
  accept?: (value: string) => boolean,
): Detector {
  return runDetector(name, label, (text, from) => regexCandidates(pattern, text, accept, from), tail);
}

const atDigit = (text: string, at: number): boolean => isDigit(text.charCodeAt(at));
const PHONE_CHAR = (c: number): boolean => isDigit(c) || c === 32 || c === 40 || c === 41 || c === 43 || c === 45 || c === 46; // space ( ) + - .
const CARD_CHAR = (c: number): boolean => isDigit(c) || c === 32 || c === 45;
const WORD = (c: number): boolean => isAlnum(c) || c === 95 || c === 45; // _ -

const AWS_PREFIXES = ['AKIA', 'ASIA', 'ABIA', 'ACCA', 'AGPA', 'AIDA', 'AIPA', 'ANPA', 'ANVA', 'APKA', 'AROA', 'ASCA'];

const COLON = 58;
const IPV6_CHAR = (c: number): boolean => isHex(c) || c === COLON || c === DOT;

/**
 * IPv6 addresses, found from each `:` (rare in prose, unlike the hex letters a-f): the run of
 * hex digits, colons and dots around it, checked whole by node's own parser.
 */
function findIPv6(text: string, from = 0): Candidate[] {
  const matches: Candidate[] = [];
  let floor = from;
  for (let colon = text.indexOf(':', from); colon !== -1; colon = text.indexOf(':', colon + 1)) {
    if (colon < floor) continue;
    let start = colon;
    while (start > floor && (isHex(text.charCodeAt(start - 1)) || text.charCodeAt(start - 1) === COLON)) start--;
    let end = colon + 1;
    while (end < text.length && IPV6_CHAR(text.charCodeAt(end))) end++;
    floor = end;
    while (end > colon + 1 && text.charCodeAt(end - 1) === DOT) end--;
    const before = start > 0 ? text.charCodeAt(start - 1) : 32;
    const after = end < text.length ? text.charCodeAt(end) : 32;
    const candidate = text.slice(start, end);
    const valid = !(isAlnum(before) || before === DOT || isAlnum(after) || end - start > 45) && isIPv6(candidate) && (candidate.match(/[0-9A-Fa-f]+/g) ?? []).length >= 2;
    // A run read and refused is still read: the scan goes on after it.
    matches.push({ start, end, accepted: valid });
  }
  return matches;
}

/** Built-in detectors by config name. */
export const BUILTIN_DETECTORS: ReadonlyMap<string, Detector> = new Map(
  [
    privateKeyDetector,
    jwtDetector,
    regexDetector('anthropic_key', 'ANTHROPIC_KEY', /(?<![\w-])sk-ant-[a-z]{3,8}\d{2}-[A-Za-z0-9_-]{20,250}(?![\w-])/g, {
      inRun: WORD,
      maxLength: 270,
      canStart: startsLikeOneOf(['sk-'], WORD),
    }),
    regexDetector(
      'openai_key',
      'OPENAI_KEY',
      /(?<![\w-])sk-(?!ant-)[A-Za-z0-9_-]{20,250}(?![\w-])/g,
      { inRun: WORD, maxLength: 260, canStart: startsLikeOneOf(['sk-'], WORD) },
      // Keys are random: letters and digits both. A long hyphenated phrase is not one.
      (value) => /\d/.test(value.slice(3)) && /[A-Za-z]/.test(value.slice(3)),
    ),
    regexDetector('github_token', 'GITHUB_TOKEN', /(?<!\w)(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,255})(?!\w)/g, {
      inRun: (c) => isAlnum(c) || c === 95,
      maxLength: 270,
      canStart: startsLikeOneOf(['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'], (c) => isAlnum(c) || c === 95),
    }),
    regexDetector('aws_access_key', 'AWS_ACCESS_KEY', new RegExp(`(?<![A-Z0-9])(?:${AWS_PREFIXES.join('|')})[A-Z0-9]{16}(?![A-Z0-9])`, 'g'), {
      inRun: (c) => isUpper(c) || isDigit(c),
      maxLength: 20,
      canStart: startsLikeOneOf(AWS_PREFIXES, (c) => isUpper(c) || isDigit(c)),
    }),
    regexDetector(
      'credit_card',
      'CREDIT_CARD',
      /(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-]|[ ]\d)/g,
      // 19 digits with a separator between each: 37 characters, and the one before.
      { inRun: CARD_CHAR, maxLength: 38, canStart: atDigit },
      isCardNumber,
    ),
    regexDetector('us_ssn', 'US_SSN', /(?<![\d-])(?!000|666|9\d\d)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}(?![\d-]|[ ]\d)/g, {
      inRun: CARD_CHAR,
      maxLength: 11,
      canStart: atDigit,
    }),
    regexDetector(
      'iban',
      'IBAN',
      /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}(?![A-Za-z0-9])/g,
      {
        inRun: (c) => isUpper(c) || isDigit(c) || c === 32,
        maxLength: 65, // 34 characters with a space between each after the first four
        canStart: (text, at) => isUpper(text.charCodeAt(at)) && (at + 1 === text.length || isUpper(text.charCodeAt(at + 1))),
      },
      isIban,
    ),
    regexDetector(
      'ipv4',
      'IP_ADDRESS',
      /(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?!\w|\.\d)/g,
      { inRun: (c) => isDigit(c) || c === DOT, maxLength: 15, canStart: atDigit },
    ),
    runDetector('ipv6', 'IP_ADDRESS', findIPv6, { inRun: IPV6_CHAR, maxLength: 46, canStart: (t, at) => isHex(t.charCodeAt(at)) || t.charCodeAt(at) === COLON }),
    regexDetector(
      'phone',
      'PHONE',
      /(?<![\w+.-])(?:\+|\()?\d(?:[ .()-]{0,2}\d){6,16}(?![\w]|[.-]\d)/g,
      // + or (, then 17 digits with up to two separators between each: 50 characters.
      { inRun: PHONE_CHAR, maxLength: 51, canStart: (text, at) => isDigit(text.charCodeAt(at)) || text[at] === '+' || text[at] === '(' },
      isPhoneNumber,
    ),
    runDetector('email', 'EMAIL', findEmails, {
      inRun: (c) => EMAIL_LOCAL(c) || c === AT,
      maxLength: 320,
      canStart: (t, at) => EMAIL_LOCAL(t.charCodeAt(at)) && t.charCodeAt(at) !== DOT,
    }),
  ].map((detector) => [detector.name, detector]),
);

/** Names of the built-in detectors, for config validation and docs. */
export const BUILTIN_DETECTOR_NAMES: readonly string[] = [...BUILTIN_DETECTORS.keys()];
