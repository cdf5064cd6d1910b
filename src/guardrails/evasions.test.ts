import { BUILTIN_DETECTORS } from './builtin-detectors';
import { keywordDetector, regexDetector } from './custom-detectors';
import { Normalizer, normalize } from './normalize';
import { RedactionSession, RuleSet, redact } from './scanner';
import type { GuardrailAction } from './scanner';
import { TextChannel } from './text-channel';

/**
 * Issue 18, item 12: disguised values are found, and the redaction replaces exactly the
 * original span (invisible characters inside it included), in a whole text and in a stream
 * split at every UTF-16 offset (inside surrogate pairs too). Text outside a finding goes out
 * as it came, disguises and all.
 */

const RULES = new RuleSet([
  { detector: regexDetector('ticket', 'TICKET', 'TCK-[0-9]{5}', 9, false), action: 'redact' },
  { detector: keywordDetector('topics', 'TOPIC', ['nerve agent', 'bioweapon']), action: 'redact' },
  ...[...BUILTIN_DETECTORS.values()].map((detector) => ({ detector, action: 'redact' as GuardrailAction })),
]);

const CASES: Array<[string, string, string]> = [
  ['zero-width space and joiner inside an email', 'Mail ja\u200Bne.doe@exa\u200Dmple.com today', 'Mail [EMAIL_1] today'],
  ['word joiner and BOM inside an AWS key', 'key AKIA\u2060IOSFODNN7\uFEFFEXAMPLE ok', 'key [AWS_ACCESS_KEY_1] ok'],
  ['soft hyphens inside an AWS key', 'key AKIA\u00ADIOSF\u00ADODNN7EXAMPLE.', 'key [AWS_ACCESS_KEY_1].'],
  ['full-width digits in a card number', 'Card ４１１１ １１１１ １１１１ １１１１, thanks', 'Card [CREDIT_CARD_1], thanks'],
  ['full-width plus and digits in a phone number', 'call ＋４４ ２０ ７９４６ ０９５８ now', 'call [PHONE_1] now'],
  ['no-break spaces in a phone number', 'call +44\u00A020\u00A07946\u00A00958 now', 'call [PHONE_1] now'],
  ['thin and narrow no-break spaces in a phone number', 'call +44\u200920\u202F7946\u20090958 now', 'call [PHONE_1] now'],
  ['Arabic-Indic digits in an SSN', 'SSN ١٢٣-٤٥-٦٧٨٩.', 'SSN [US_SSN_1].'],
  ['Devanagari digits in a phone number', 'call +४४ २० ७९४६ ०९५८ now', 'call [PHONE_1] now'],
  ['mathematical bold digits (surrogate pairs) in a card number', 'pay 𝟒𝟏𝟏𝟏 𝟏𝟏𝟏𝟏 𝟏𝟏𝟏𝟏 𝟏𝟏𝟏𝟏 ok', 'pay [CREDIT_CARD_1] ok'],
  ['a combining mark after a digit', 'card 4\u0332111 1111 1111 1111 ok', 'card [CREDIT_CARD_1] ok'],
  ['a full-width at sign', 'mail jane＠example.com ok', 'mail [EMAIL_1] ok'],
  ['Unicode local parts and domains', 'write to jane@exämple.de or 用户@例子.广告.', 'write to [EMAIL_1] or [EMAIL_2].'],
  ['an IDNA domain', 'mail jane@xn--exmple-cua.xn--p1ai now', 'mail [EMAIL_1] now'],
  ['the same address disguised shares a placeholder', 'jane@example.com, ja\u200Bne@example.com', '[EMAIL_1], [EMAIL_1]'],
  ['a zero-width space inside a keyword', 'no bio\u200Bweapon talk', 'no [TOPIC_1] talk'],
  ['a no-break space inside a keyword phrase', 'no nerve\u00A0agent talk', 'no [TOPIC_1] talk'],
  ['emoji around an email', '😀jane@example.com 😀', '😀[EMAIL_1] 😀'],
  ['disguises outside findings are left as they are', 'Hello\u200B world\u00A0! ﬁle ４ ١ e\u0301 \uFEFF', 'Hello\u200B world\u00A0! ﬁle ４ ١ e\u0301 \uFEFF'],
];

function streamed(chunks: string[]): string {
  const channel = new TextChannel(RULES, new RedactionSession(), () => undefined);
  let out = '';
  for (const chunk of chunks) out += channel.push(chunk);
  return out + channel.flush();
}

describe('evasions', () => {
  it.each(CASES)('%s: whole text', (_name, text, expected) => {
    expect(redact(text, RULES.find(text), new RedactionSession())).toBe(expected);
  });

  it.each(CASES)('%s: stream split in two at every UTF-16 offset', (_name, text, expected) => {
    for (let i = 0; i <= text.length; i++) {
      const out = streamed([text.slice(0, i), text.slice(i)]);
      if (out !== expected) throw new Error(`split at ${i}: ${JSON.stringify(out)}`);
    }
  });

  it.each(CASES)('%s: stream one UTF-16 unit at a time', (_name, text, expected) => {
    expect(streamed(text.split(''))).toBe(expected);
  });

  it('every split in three of a short disguised text', () => {
    const text = 'a\u200B@b.io ４１１１ １１１１ １１１１ １１１１';
    const expected = '[EMAIL_1] [CREDIT_CARD_1]';
    for (let i = 0; i <= text.length; i++) {
      for (let j = i; j <= text.length; j++) {
        const out = streamed([text.slice(0, i), text.slice(i, j), text.slice(j)]);
        if (out !== expected) throw new Error(`split at ${i},${j}: ${JSON.stringify(out)}`);
      }
    }
  });

  it('a redaction replaces the invisible characters inside the span and keeps those around it', () => {
    const text = 'x \u200Bja\u200Bne@example.com\u200B y';
    expect(redact(text, RULES.find(text), new RedactionSession())).toBe('x \u200B[EMAIL_1]\u200B y');
  });
});

describe('normalize', () => {
  it('maps disguises to what detectors read', () => {
    expect(normalize('ja\u200Bne\u00AD＠ｅｘ.com ١٢٣ 𝟒 e\u0301 \u00A0ﬁ ①').text).toBe('jane@ex.com 123 4 e  fi 1');
    expect(normalize('plain ascii').map).toBeUndefined();
    expect(normalize('ünïcödé ✓').map).toBeUndefined();
  });

  it('leads every normalized position back to its original character', () => {
    const text = 'a\u200Bb４𝟒ﬁ\u0301c';
    const { text: normalized, map } = normalize(text);
    expect(normalized).toBe('ab44fic');
    if (!map) throw new Error('no map');
    expect([...normalized].map((_c, i) => [map.start(i), map.end(i)])).toEqual([
      [0, 1],
      [2, 3],
      [3, 4],
      [4, 6],
      [6, 7],
      [6, 7],
      [8, 9],
    ]);
    expect(map.span(0, 2)).toEqual({ start: 0, end: 3 }); // a, the zero-width space, b
  });

  it('gives the same text at every split, surrogate pairs included', () => {
    const text = 'x𝟒\u200B\u0301y４😀z\u00AD';
    const whole = normalize(text).text;
    for (let i = 0; i <= text.length; i++) {
      const normalizer = new Normalizer();
      const out = normalizer.push(text.slice(0, i)) + normalizer.push(text.slice(i)) + normalizer.finish();
      expect(out).toBe(whole);
    }
  });
});
