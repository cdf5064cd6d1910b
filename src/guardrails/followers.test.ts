import { prng as random } from '../testing/prng';
import { BUILTIN_DETECTORS } from './builtin-detectors';
import { regexDetector } from './custom-detectors';
import type { Detector } from './detector';
import { jwtDetector } from './jwt';
import { privateKeyDetector } from './private-key';
import { RedactionSession, RuleSet, redact } from './scanner';
import type { GuardrailAction } from './scanner';
import { TextChannel } from './text-channel';

/** The JWT pattern the machine in jwt.ts replaces. */
const JWT = /(?<![\w-])eyJ[A-Za-z0-9_-]{8,4096}\.eyJ[A-Za-z0-9_-]{8,4096}\.[A-Za-z0-9_-]{16,4096}(?![\w-])/g;

const spans = (detector: Detector, text: string): string[] => detector.find(text).map((match) => `${match.start}-${match.end}`);

const ALL = new RuleSet([
  { detector: regexDetector('ticket', 'TICKET', '\\bTCK-[0-9]{5}\\b', 9, false), action: 'redact' },
  ...[...BUILTIN_DETECTORS.values()].map((detector) => ({ detector, action: 'redact' as GuardrailAction })),
]);

function streamed(chunks: string[]): string {
  const channel = new TextChannel(ALL, new RedactionSession(), () => undefined);
  let out = '';
  for (const chunk of chunks) out += channel.push(chunk);
  return out + channel.flush();
}

const RSA = ['-----BEGIN RSA PRIVATE KEY-----', 'MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu', '-----END RSA PRIVATE KEY-----'].join('\n');
const EC = ['-----BEGIN EC PRIVATE KEY-----', 'MHcCAQEEIIrYSSNQFaA2Hwf1duRSxKtLYX5CB04fSeQ6tF1aY/PuoAoGCCqGSM49', '-----END EC PRIVATE KEY-----'].join('\r\n');
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';

describe('jwt machine', () => {
  it('finds exactly what the regular expression finds, on 3,000 random texts', () => {
    const next = random(18);
    const pieces = ['eyJ', 'eyJhbGciOi', 'abcdefgh', 'x', '.', '..', ' ', '-', '_', 'J', TOKEN.slice(0, 30), 'QRSTUVWXYZ012345'];
    for (let round = 0; round < 5000; round++) {
      let text = '';
      const count = 1 + Math.floor(next() * 14);
      for (let i = 0; i < count; i++) text += pieces[Math.floor(next() * pieces.length)];
      const expected = [...text.matchAll(JWT)].map((match) => `${match.index}-${match.index + match[0].length}`);
      if (spans(jwtDetector, text).join() !== expected.join()) throw new Error(`${JSON.stringify(text)}: ${spans(jwtDetector, text).join()} vs ${expected.join()}`);
    }
  });

  it('respects the segment limits', () => {
    const long = `eyJ${'a'.repeat(4096)}`;
    expect(spans(jwtDetector, `${long}.eyJabcdefgh.${'s'.repeat(16)}`)).toEqual([`0-${long.length + 29}`]);
    expect(spans(jwtDetector, `${long}a.eyJabcdefgh.${'s'.repeat(16)}`)).toEqual([]);
    expect(spans(jwtDetector, `eyJabcdefgh.eyJabcdefgh.${'s'.repeat(4097)}`)).toEqual([]);
  });
});

describe('private key follower', () => {
  it('finds blocks with either line ending, and not a block past 16 KiB', () => {
    expect(spans(privateKeyDetector, `a ${RSA} b ${EC} c`)).toEqual([`2-${2 + RSA.length}`, `${5 + RSA.length}-${5 + RSA.length + EC.length}`]);
    const tooLong = `-----BEGIN PRIVATE KEY-----\n${'A'.repeat(16_400)}\n-----END PRIVATE KEY-----`;
    expect(spans(privateKeyDetector, tooLong)).toEqual([]);
    // A second header inside an unclosed block starts a block of its own when the first is too far back.
    expect(spans(privateKeyDetector, `${tooLong.slice(0, 16_430)}\n${RSA}`)).toEqual([`16431-${16431 + RSA.length}`]);
  });
});

describe('streams with every detector', () => {
  const text = `Keys:\n${RSA}\nand ${EC}\ntoken ${TOKEN}, ticket TCK-12345 (not xTCK-12345), mail a.b@ex.io.`;
  const expected = 'Keys:\n[PRIVATE_KEY_1]\nand [PRIVATE_KEY_2]\ntoken [JWT_1], ticket [TICKET_1] (not xTCK-12345), mail [EMAIL_1].';

  it('the whole text', () => {
    expect(redact(text, ALL.find(text), new RedactionSession())).toBe(expected);
  });

  it('split in two at every offset', () => {
    for (let i = 0; i <= text.length; i++) {
      const out = streamed([text.slice(0, i), text.slice(i)]);
      if (out !== expected) throw new Error(`split at ${i}: ${JSON.stringify(out)}`);
    }
  });

  it('one character at a time, and in chunks of 7', () => {
    expect(streamed(text.split(''))).toBe(expected);
    expect(streamed(text.match(/[\s\S]{1,7}/g) ?? [])).toBe(expected);
  });

  it('random texts of detector fragments give the same result streamed in random chunks as whole', () => {
    const next = random(7);
    const pieces = [RSA.slice(0, 40), RSA.slice(40), '-----END RSA PRIVATE KEY-----', TOKEN.slice(0, 25), TOKEN.slice(25), 'jane@', 'example.com', ' ', '\n', '4111 1111 ', '1111 1111', '+44 20 7946 0958', 'TCK-12345', 'AKIAIOSFODNN7EXAMPLE', '\u200B', '４', '𝟒', 'x', 'GB82 WEST ', '1234 5698 7654 32', '2001:db8', '::7', '10.1.', '2.3', 'sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z', '123-45-', '6789', '.', '@', '\u00A0', '(415) 555-', '2671', '0'];
    for (let round = 0; round < 500; round++) {
      let sample = '';
      const count = 1 + Math.floor(next() * 12);
      for (let i = 0; i < count; i++) sample += pieces[Math.floor(next() * pieces.length)];
      const whole = redact(sample, ALL.find(sample), new RedactionSession());
      const chunks: string[] = [];
      for (let at = 0; at < sample.length; ) {
        const size = 1 + Math.floor(next() * 9);
        chunks.push(sample.slice(at, at + size));
        at += size;
      }
      const out = streamed(chunks);
      if (out !== whole) throw new Error(`${JSON.stringify(chunks)}: ${JSON.stringify(out)} vs ${JSON.stringify(whole)}`);
    }
  });
});
