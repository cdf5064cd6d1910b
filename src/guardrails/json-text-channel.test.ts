import { allDetectors } from '../../test/guardrail-streams';
import { JsonTextChannel, rewriteJsonText } from './json-text-channel';
import { RedactionSession } from './scanner';
import type { GuardrailAction } from './scanner';
import { TextChannel } from './text-channel';

/** JSON text given in pieces cut at `cuts`, through channels of every built-in detector. */
function streamed(text: string, cuts: readonly number[], action: GuardrailAction = 'redact'): string {
  const rules = allDetectors(action);
  const session = new RedactionSession();
  const channel = new JsonTextChannel(
    () =>
      new TextChannel(rules, session, (findings) => {
        if (findings.some((f) => f.rule.action === 'block')) throw new Error('blocked');
      }),
  );
  let out = '';
  let from = 0;
  for (const cut of [...cuts, text.length]) {
    out += channel.push(text.slice(from, cut));
    from = cut;
  }
  return out + channel.flush();
}

/** The same at every single cut, and at every pair of cuts for texts short enough. */
function everySplit(text: string, check: (out: string, cuts: number[]) => void): void {
  for (let a = 0; a <= text.length; a++) {
    check(streamed(text, [a]), [a]);
    if (text.length <= 60) for (let b = a; b <= text.length; b++) check(streamed(text, [a, b]), [a, b]);
  }
}

const KEY_BODY = 'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0';
/** A PEM key as JSON writes it: its newlines are `\n` escapes. */
const PEM_JSON = `-----BEGIN RSA PRIVATE KEY-----\\n${KEY_BODY}\\n-----END RSA PRIVATE KEY-----`;

describe('JsonTextChannel', () => {
  it('decodes an escape split anywhere: `\\u0040` in an address is found at every split', () => {
    everySplit('{"to":"jane.doe\\u0040example.com","n":2}', (out, cuts) => expect({ cuts, out }).toEqual({ cuts, out: '{"to":"[EMAIL_1]","n":2}' }));
  });

  it('a PEM key whose newlines are `\\n` escapes is redacted whole at every split', () => {
    const text = `{"path":"id_rsa","key":"${PEM_JSON}"}`;
    for (let at = 0; at <= text.length; at++) expect({ at, out: streamed(text, [at]) }).toEqual({ at, out: '{"path":"id_rsa","key":"[PRIVATE_KEY_1]"}' });
  });

  it('a surrogate pair split between its escapes, or inside one, reaches the detectors whole and comes out valid', () => {
    everySplit('{"s":"\\ud83d\\ude00 a@b.io \\ud83d"}', (out, cuts) => {
      expect({ cuts, value: JSON.parse(out) }).toEqual({ cuts, value: { s: '\u{1f600} [EMAIL_1] \ud83d' } });
    });
  });

  it('escapes a redacted value again: quotes, backslashes and control characters stay valid JSON', () => {
    everySplit('{"q":"say \\"hi\\" to\\tjane@example.com\\\\"}', (out, cuts) => expect({ cuts, out }).toEqual({ cuts, out: '{"q":"say \\"hi\\" to\\t[EMAIL_1]\\\\"}' }));
  });

  it('checks keys and bare tokens: a card number as a JSON number becomes a string placeholder', () => {
    everySplit('{"jane@example.com":[4111111111111111, true, null, 1.5e3]}', (out, cuts) => {
      expect({ cuts, out }).toEqual({ cuts, out: '{"[EMAIL_1]":["[CREDIT_CARD_1]", true, null, 1.5e3]}' });
    });
  });

  it('passes clean JSON as it came, whitespace included', () => {
    const text = '{\n  "city": "Paris",\n  "days": [1, 2],\n  "ok": false\n}';
    everySplit(text, (out, cuts) => expect({ cuts, out }).toEqual({ cuts, out: text }));
  });

  it('text that stops being JSON is checked as raw text from there, what the value held included', () => {
    // A raw control character inside a string is not JSON; the key began before it.
    const text = `{"key":"-----BEGIN PRIVATE KEY-----\\n${KEY_BODY}\u0001 rest\\n-----END PRIVATE KEY-----", mail jane@example.com`;
    for (let at = 0; at <= text.length; at++) {
      const out = streamed(text, [at]);
      expect({ at, out }).toEqual({ at, out: '{"key":"[PRIVATE_KEY_1]", mail [EMAIL_1]' });
    }
    everySplit('not json: jane@example.com', (out, cuts) => expect({ cuts, out }).toEqual({ cuts, out: 'not json: [EMAIL_1]' }));
  });

  it('blocks as soon as a blocking value is whole', () => {
    expect(() => streamed('{"k":"AKIAIOSFODNN7EXA\\u004dPLE"}', [20], 'block')).toThrow('blocked');
    expect(() => streamed('{"k":"no key here"}', [9], 'block')).not.toThrow();
  });
});

describe('rewriteJsonText', () => {
  it('keeps the text byte for byte when nothing changed, and re-escapes only when something did', () => {
    const upper = (text: string): string => (text.includes('@') ? '[EMAIL]' : text);
    expect(rewriteJsonText('{"a":"caf\\u00e9","b" : 1}', upper)).toBe('{"a":"caf\\u00e9","b" : 1}');
    expect(rewriteJsonText('{"a":"caf\\u00e9","to":"x\\u0040y.io"}', upper)).toBe('{"a":"café","to":"[EMAIL]"}');
    // Text that is not JSON goes to fn whole (nothing of it passes as structure).
    const seen: string[] = [];
    expect(rewriteJsonText('plain a@b.io', (text) => (seen.push(text), upper(text)))).toBe('[EMAIL]');
    expect(seen).toEqual(['plain a@b.io']);
  });
});
