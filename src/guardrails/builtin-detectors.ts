import { isIPv6 } from 'node:net';
import type { Detector, Match } from './detector';
import { isAlnum, isDigit, isHex, isUpper, regexMatches, startsLikeOneOf, trailingRun } from './detector';
import { isCardNumber, isIban, isPhoneNumber } from './validators';

/**
 * The detectors the gateway ships. Every pattern here is written to run in linear time on
 * any input: repetition is bounded, and each repeated group starts with a character that
 * decides it (no two ways to match the same text), so a failed attempt cannot backtrack
 * more than a bounded number of steps. Adversarial inputs for each are in the tests.
 */

const EMAIL_LOCAL = (c: number): boolean => isAlnum(c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45; // . _ % + -
const EMAIL_DOMAIN = (c: number): boolean => isAlnum(c) || c === 45; // -
const AT = 64;
const DOT = 46;

/** Emails, found from each `@`: a cheap anchor, so prose without one costs a single indexOf. */
function findEmails(text: string): Match[] {
  const matches: Match[] = [];
  let floor = 0;
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
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
    if (!/^[A-Za-z]{2,63}$/.test(text.slice(lastDot + 1, end))) continue;
    matches.push({ start, end });
    floor = end;
  }
  return matches;
}

function regexDetector(
  name: string,
  label: string,
  pattern: RegExp,
  tail: { inRun: (c: number) => boolean; maxLength: number; canStart: (text: string, at: number) => boolean },
  accept?: (value: string) => boolean,
): Detector {
  return {
    name,
    label,
    find: (text) => regexMatches(pattern, text, accept),
    openTail: (text) => trailingRun(text, tail.inRun, tail.maxLength, tail.canStart),
  };
}

const atDigit = (text: string, at: number): boolean => isDigit(text.charCodeAt(at));
const PHONE_CHAR = (c: number): boolean => isDigit(c) || c === 32 || c === 40 || c === 41 || c === 43 || c === 45 || c === 46; // space ( ) + - .
const CARD_CHAR = (c: number): boolean => isDigit(c) || c === 32 || c === 45;
const WORD = (c: number): boolean => isAlnum(c) || c === 95 || c === 45; // _ -

const AWS_PREFIXES = ['AKIA', 'ASIA', 'ABIA', 'ACCA', 'AGPA', 'AIDA', 'AIPA', 'ANPA', 'ANVA', 'APKA', 'AROA', 'ASCA'];

const PRIVATE_KEY_MAX = 16_384;
const BEGIN = '-----BEGIN ';
const PRIVATE_KEY_HEADER = /-----BEGIN (?:[A-Z0-9]{1,12} ){0,3}PRIVATE KEY-----/g;
const PRIVATE_KEY_FOOTER = /-----END (?:[A-Z0-9]{1,12} ){0,3}PRIVATE KEY-----/g;

/**
 * PEM private-key blocks, header to footer. Each header looks for the next footer once, and
 * headers before a footer share that search, so many headers without footers stay linear.
 */
function findPrivateKeys(text: string): Match[] {
  const matches: Match[] = [];
  PRIVATE_KEY_HEADER.lastIndex = 0;
  let footer: { start: number; end: number } | null | undefined;
  for (let header = PRIVATE_KEY_HEADER.exec(text); header; header = PRIVATE_KEY_HEADER.exec(text)) {
    if (footer === undefined || (footer !== null && footer.start < header.index)) {
      PRIVATE_KEY_FOOTER.lastIndex = header.index;
      const found = PRIVATE_KEY_FOOTER.exec(text);
      footer = found ? { start: found.index, end: found.index + found[0].length } : null;
    }
    if (footer === null) break;
    if (footer.end - header.index > PRIVATE_KEY_MAX) continue;
    matches.push({ start: header.index, end: footer.end });
    PRIVATE_KEY_HEADER.lastIndex = footer.end;
  }
  return matches;
}

/** A key block not yet closed is held whole; so is a line that may become its header. */
function privateKeyTail(text: string): number {
  const partial = trailingRun(text, (c) => isUpper(c) || isDigit(c) || c === 32 || c === 45, 60, startsLikeOneOf([BEGIN]));
  const begin = text.lastIndexOf(BEGIN);
  if (begin === -1 || text.length - begin > PRIVATE_KEY_MAX || begin >= partial) return partial;
  const rest = text.slice(begin);
  PRIVATE_KEY_FOOTER.lastIndex = 0;
  if (PRIVATE_KEY_FOOTER.test(rest)) return partial;
  // A whole header holds the block whatever follows it: a newline, a newline written as `\n`
  // (a key in an .env line, or in JSON text), a space (a key on one line).
  if (/^-----BEGIN (?:[A-Z0-9]{1,12} ){0,3}PRIVATE KEY-----/.test(rest)) return begin;
  return /^-----BEGIN [A-Z0-9 ]{0,52}-{0,5}$/.test(rest) ? begin : partial;
}

const COLON = 58;
const IPV6_CHAR = (c: number): boolean => isHex(c) || c === COLON || c === DOT;

/**
 * IPv6 addresses, found from each `:` (rare in prose, unlike the hex letters a-f): the run of
 * hex digits, colons and dots around it, checked whole by node's own parser.
 */
function findIPv6(text: string): Match[] {
  const matches: Match[] = [];
  let floor = 0;
  for (let colon = text.indexOf(':'); colon !== -1; colon = text.indexOf(':', colon + 1)) {
    if (colon < floor) continue;
    let start = colon;
    while (start > floor && (isHex(text.charCodeAt(start - 1)) || text.charCodeAt(start - 1) === COLON)) start--;
    let end = colon + 1;
    while (end < text.length && IPV6_CHAR(text.charCodeAt(end))) end++;
    floor = end;
    while (end > colon + 1 && text.charCodeAt(end - 1) === DOT) end--;
    const before = start > 0 ? text.charCodeAt(start - 1) : 32;
    const after = end < text.length ? text.charCodeAt(end) : 32;
    if (isAlnum(before) || before === DOT || isAlnum(after) || end - start > 45) continue;
    const candidate = text.slice(start, end);
    if (isIPv6(candidate) && (candidate.match(/[0-9A-Fa-f]+/g) ?? []).length >= 2) matches.push({ start, end });
  }
  return matches;
}

/** Built-in detectors by config name. */
export const BUILTIN_DETECTORS: ReadonlyMap<string, Detector> = new Map(
  [
    {
      name: 'private_key',
      label: 'PRIVATE_KEY',
      find: findPrivateKeys,
      openTail: privateKeyTail,
    },
    regexDetector(
      'jwt',
      'JWT',
      /(?<![\w-])eyJ[A-Za-z0-9_-]{8,4096}\.eyJ[A-Za-z0-9_-]{8,4096}\.[A-Za-z0-9_-]{16,4096}(?![\w-])/g,
      { inRun: (c) => WORD(c) || c === DOT, maxLength: 12_300, canStart: startsLikeOneOf(['eyJ'], WORD) },
    ),
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
      { inRun: CARD_CHAR, maxLength: 24, canStart: atDigit },
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
        maxLength: 42,
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
    {
      name: 'ipv6',
      label: 'IP_ADDRESS',
      find: findIPv6,
      openTail: (text: string) => trailingRun(text, IPV6_CHAR, 45, (t, at) => isHex(t.charCodeAt(at)) || t.charCodeAt(at) === COLON),
    },
    regexDetector(
      'phone',
      'PHONE',
      /(?<![\w+.-])(?:\+|\()?\d(?:[ .()-]{0,2}\d){6,16}(?![\w]|[.-]\d)/g,
      { inRun: PHONE_CHAR, maxLength: 30, canStart: (text, at) => isDigit(text.charCodeAt(at)) || text[at] === '+' || text[at] === '(' },
      isPhoneNumber,
    ),
    {
      name: 'email',
      label: 'EMAIL',
      find: findEmails,
      openTail: (text: string) => trailingRun(text, (c) => EMAIL_LOCAL(c) || c === AT, 320, (t, at) => EMAIL_LOCAL(t.charCodeAt(at)) && t.charCodeAt(at) !== DOT),
    },
  ].map((detector) => [detector.name, detector]),
);

/** Names of the built-in detectors, for config validation and docs. */
export const BUILTIN_DETECTOR_NAMES: readonly string[] = [...BUILTIN_DETECTORS.keys()];
