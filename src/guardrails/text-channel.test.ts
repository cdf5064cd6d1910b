import { BUILTIN_DETECTORS } from './builtin-detectors';
import { keywordDetector, regexDetector } from './custom-detectors';
import type { Detector } from './detector';
import { RedactionSession, RuleSet, redact } from './scanner';
import type { Finding, GuardrailAction } from './scanner';
import { TextChannel } from './text-channel';

function detector(name: string): Detector {
  const found = BUILTIN_DETECTORS.get(name);
  if (!found) throw new Error(name);
  return found;
}

const ALL_REDACT = new RuleSet([
  { detector: regexDetector('ticket', 'TICKET', 'TCK-[0-9]{5}', 9, false), action: 'redact' },
  { detector: keywordDetector('topics', 'TOPIC', ['nerve agent', 'bioweapon']), action: 'redact' },
  ...[...BUILTIN_DETECTORS.keys()].map((name) => ({ detector: detector(name), action: 'redact' as GuardrailAction })),
]);

const TEXT =
  'Hi, I am Jane (jane.doe@example.com, +44 20 7946 0958). Card 4111 1111 1111 1111, SSN 123-45-6789, ' +
  'IBAN GB82 WEST 1234 5698 7654 32, host 10.1.2.3 or 2001:db8::7. Key AKIAIOSFODNN7EXAMPLE and ' +
  'sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z, ticket TCK-12345, no bioweapon talk. Thanks — ünïcödé ✓ jane.doe@example.com';

const EXPECTED =
  'Hi, I am Jane ([EMAIL_1], [PHONE_1]). Card [CREDIT_CARD_1], SSN [US_SSN_1], ' +
  'IBAN [IBAN_1], host [IP_ADDRESS_1] or [IP_ADDRESS_2]. Key [AWS_ACCESS_KEY_1] and ' +
  '[OPENAI_KEY_1], ticket [TICKET_1], no [TOPIC_1] talk. Thanks — ünïcödé ✓ [EMAIL_1]';

function streamed(chunks: string[], rules = ALL_REDACT): { out: string; findings: number } {
  const session = new RedactionSession();
  let findings = 0;
  const channel = new TextChannel(rules, session, (found: readonly Finding[]) => {
    findings += found.length;
  });
  let out = '';
  for (const chunk of chunks) out += channel.push(chunk);
  return { out: out + channel.flush(), findings };
}

describe('TextChannel', () => {
  it('redacts a whole text like the one-shot redaction does', () => {
    const session = new RedactionSession();
    expect(redact(TEXT, ALL_REDACT.find(TEXT), session)).toBe(EXPECTED);
    expect(streamed([TEXT])).toEqual({ out: EXPECTED, findings: 12 });
  });

  it('gives the same result for the text split in two at every position', () => {
    for (let i = 0; i <= TEXT.length; i++) {
      const result = streamed([TEXT.slice(0, i), TEXT.slice(i)]);
      if (result.out !== EXPECTED || result.findings !== 12) throw new Error(`split at ${i}: ${JSON.stringify(result)}`);
    }
  });

  it('gives the same result one character at a time', () => {
    expect(streamed([...TEXT])).toEqual({ out: EXPECTED, findings: 12 });
  });

  it('gives the same result for every split in three of a shorter text', () => {
    const text = 'mail a.b@ex.io, card 4111-1111-1111-1111!';
    const expected = 'mail [EMAIL_1], card [CREDIT_CARD_1]!';
    for (let i = 0; i <= text.length; i++) {
      for (let j = i; j <= text.length; j++) {
        const result = streamed([text.slice(0, i), text.slice(i, j), text.slice(j)]);
        if (result.out !== expected) throw new Error(`split at ${i},${j}: ${result.out}`);
      }
    }
  });

  it('sends text that cannot start a match at once and holds only the open tail', () => {
    // Built-in detectors only: a custom regex holds back its maxLength - 1 characters.
    const builtins = new RuleSet([...BUILTIN_DETECTORS.values()].map((d) => ({ detector: d, action: 'redact' as GuardrailAction })));
    const channel = new TextChannel(builtins, new RedactionSession(), () => undefined);
    expect(channel.push('Hello, how are you? ')).toBe('Hello, how are you? ');
    expect(channel.held).toBe(0);
    expect(channel.push('Write to jane.d')).toBe('Write to ');
    expect(channel.held).toBe('jane.d'.length);
    expect(channel.push('oe@example.com now')).toBe('[EMAIL_1] ');
    expect(channel.flush()).toBe('now');
  });

  it('calls back with a block as soon as the match is whole, before it is sent', () => {
    const rules = new RuleSet([{ detector: detector('credit_card'), action: 'block' }]);
    const channel = new TextChannel(rules, new RedactionSession(), (found) => {
      if (found.some((f) => f.rule.action === 'block')) throw new Error('blocked');
    });
    expect(channel.push('pay with 4111 1111 ')).toBe('pay with ');
    expect(() => channel.push('1111 1111 thanks')).toThrow('blocked');
  });

  it('monitor findings are reported once each and leave the text as it is', () => {
    const rules = new RuleSet([{ detector: detector('email'), action: 'monitor' }]);
    const text = 'a@b.io then c@d.io then a@b.io.';
    for (let i = 0; i <= text.length; i++) {
      expect(streamed([text.slice(0, i), text.slice(i)], rules)).toEqual({ out: text, findings: 3 });
    }
  });
});

describe('custom detectors', () => {
  it('run RE2 patterns and refuse backtracking-only syntax', () => {
    const ticket = regexDetector('ticket', 'TICKET', 'tck-[0-9]{5}', 9, true);
    expect(ticket.find('see TCK-12345 and tck-99999').map((m) => [m.start, m.end])).toEqual([
      [4, 13],
      [18, 27],
    ]);
    expect(() => regexDetector('bad', 'BAD', '(a)\\1', 10, false)).toThrow(/invalid escape/);
    expect(() => regexDetector('bad', 'BAD', '(?=a)b', 10, false)).toThrow();
  });

  it('report UTF-16 positions after non-ASCII text', () => {
    const ticket = regexDetector('ticket', 'TICKET', 'TCK-[0-9]{5}', 9, false);
    const text = 'ünï ✓ 😀 TCK-12345';
    const [match] = ticket.find(text);
    expect(text.slice(match.start, match.end)).toBe('TCK-12345');
  });

  it('a catastrophic pattern stays linear on RE2', () => {
    const evil = regexDetector('evil', 'EVIL', '(a+)+$b', 64, false);
    const started = Date.now();
    evil.find('a'.repeat(100_000));
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('keywords match whole words in any case, and hold a partial keyword at the end', () => {
    const topics = keywordDetector('topics', 'TOPIC', ['nerve agent', 'Bioweapon']);
    const text = 'A BIOWEAPON, bioweapons, nerve agents, the nerve agent.';
    expect(topics.find(text).map((m) => text.slice(m.start, m.end))).toEqual(['BIOWEAPON', 'nerve agent']);
    expect(text.slice(0, 0) + 'talk of nerve ag'.slice(topics.openTail('talk of nerve ag'))).toBe('nerve ag');
    expect(topics.openTail('talk of agents')).toBe('talk of agents'.length);
  });
});
