import { BUILTIN_DETECTORS } from './builtin-detectors';

function found(name: string, text: string): string[] {
  const detector = BUILTIN_DETECTORS.get(name);
  if (!detector) throw new Error(`no detector ${name}`);
  return detector.find(text).map((match) => text.slice(match.start, match.end));
}

const PRIVATE_KEY = [
  '-----BEGIN RSA PRIVATE KEY-----',
  'MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu',
  'KUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQJAIJLixBy2qpFoS4DSmoEm',
  '-----END RSA PRIVATE KEY-----',
].join('\n');

/** Each detector: texts it must find (exactly these values) and texts it must not. */
const CASES: Record<string, { hits: Array<[string, string[]]>; misses: string[] }> = {
  email: {
    hits: [
      ['write to jane.doe+tag@example.co.uk today', ['jane.doe+tag@example.co.uk']],
      ['Mail: Bob_O-Neil@mail-server.example.com.', ['Bob_O-Neil@mail-server.example.com']],
      ['a@b.io and c@d.org', ['a@b.io', 'c@d.org']],
      ['(x.y@z.dev)', ['x.y@z.dev']],
    ],
    misses: ['user@localhost', 'the @ sign', '@handle on twitter', 'foo@bar.', 'email me at foo@', 'version 1.2@3.4', 'a@b.c1'],
  },
  phone: {
    hits: [
      ['call +1 415 555 2671 now', ['+1 415 555 2671']],
      ['+44 20 7946 0958', ['+44 20 7946 0958']],
      ['+4930123456', ['+4930123456']],
      ['US: (415) 555-2671.', ['(415) 555-2671']],
      ['415-555-2671 or 415.555.2671', ['415-555-2671', '415.555.2671']],
      ['1-800-555-0199', ['1-800-555-0199']],
      ['UK 020 7946 0958', ['020 7946 0958']],
      ['mobile 07700 900123', ['07700 900123']],
      ['Paris 01 23 45 67 89', ['01 23 45 67 89']],
      ['Berlin (030) 1234567', ['(030) 1234567']],
    ],
    misses: ['on 2024-01-15 at 10:30', 'version 10.2.33.4', 'order 123456789', 'IP 192.168.100.200', 'pi is 3.14159265', '12345', 'total 1,234,567', 'ISBN 978-3-16-148410-0', 'SSN 123-45-6789'],
  },
  credit_card: {
    hits: [
      ['card 4111 1111 1111 1111 exp', ['4111 1111 1111 1111']],
      ['4111-1111-1111-1111', ['4111-1111-1111-1111']],
      ['5555555555554444', ['5555555555554444']],
      ['amex 3782 822463 10005', ['3782 822463 10005']],
      ['Discover 6011111111111117.', ['6011111111111117']],
    ],
    misses: ['4111 1111 1111 1112', '1234567812345670', '0000 0000 0000 0000', '4111-1111 1111-1111', 'id 41111111111111111111111', '2024 0101 1200 3000'],
  },
  us_ssn: {
    hits: [
      ['SSN 123-45-6789.', ['123-45-6789']],
      ['ssn: 078 05 1120', ['078 05 1120']],
    ],
    misses: ['000-12-3456', '666-12-3456', '900-12-3456', '123-00-4567', '123-45-0000', '123-45-67890', '123-45 6789', 'phone 415-555-2671'],
  },
  iban: {
    hits: [
      ['IBAN GB82 WEST 1234 5698 7654 32 please', ['GB82 WEST 1234 5698 7654 32']],
      ['DE89370400440532013000', ['DE89370400440532013000']],
      ['FR1420041010050500013M02606', ['FR1420041010050500013M02606']],
    ],
    misses: ['GB82 WEST 1234 5698 7654 33', 'DE89370400440532013001', 'AB12', 'ISO 9001 CERTIFIED'],
  },
  ipv4: {
    hits: [
      ['host 192.168.1.10 up', ['192.168.1.10']],
      ['10.0.0.1, 255.255.255.255.', ['10.0.0.1', '255.255.255.255']],
    ],
    misses: ['256.1.1.1', '1.2.3', '1.2.3.4.5', '01.02.03', 'v1.2.3.4a'],
  },
  ipv6: {
    hits: [
      ['addr 2001:db8::1 ok', ['2001:db8::1']],
      ['fe80:0:0:0:202:b3ff:fe1e:8329', ['fe80:0:0:0:202:b3ff:fe1e:8329']],
      ['mapped ::ffff:192.0.2.128.', ['::ffff:192.0.2.128']],
    ],
    misses: ['at 10:30:45', 'std::vector', 'a::b::c', 'deadbeef', 'ratio 1:2:3'],
  },
  aws_access_key: {
    hits: [['key AKIAIOSFODNN7EXAMPLE here', ['AKIAIOSFODNN7EXAMPLE']], ['ASIAY34FZKBOKMUTVV7A', ['ASIAY34FZKBOKMUTVV7A']]],
    misses: ['AKIAIOSFODNN7EXAMPL', 'AKIAIOSFODNN7EXAMPLEX', 'XAKIAIOSFODNN7EXAMPLE', 'akiaiosfodnn7example'],
  },
  openai_key: {
    hits: [
      ['key sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z end', ['sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z']],
      ['sk-T3BlbkFJabcdefghij0123456789ABCDEFGHIJ', ['sk-T3BlbkFJabcdefghij0123456789ABCDEFGHIJ']],
    ],
    misses: ['sk-short1', 'sk-this-is-just-a-long-hyphenated-phrase', 'task-Ab3dEf6hIj9kLm2nOp5qRs8tUv', 'sk-ant-api03-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z'],
  },
  anthropic_key: {
    hits: [['x sk-ant-api03-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z_AA-bb y', ['sk-ant-api03-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z_AA-bb']]],
    misses: ['sk-ant-api03-short', 'sk-ant-', 'sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z'],
  },
  github_token: {
    hits: [
      ['ghp_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8' + ' x', ['ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8']],
      ['github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz', ['github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz']],
    ],
    misses: ['ghp_short', 'ghx_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8', 'xghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'],
  },
  jwt: {
    hits: [
      [
        'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U ok',
        ['eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'],
      ],
    ],
    misses: ['eyJhbGciOiJIUzI1NiJ9 alone', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.', 'eyJ.eyJ.abc'],
  },
  private_key: {
    hits: [
      [`here:\n${PRIVATE_KEY}\nthanks`, [PRIVATE_KEY]],
      ['-----BEGIN PRIVATE KEY-----\nMIIEvQ\n-----END PRIVATE KEY-----', ['-----BEGIN PRIVATE KEY-----\nMIIEvQ\n-----END PRIVATE KEY-----']],
    ],
    misses: ['-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----', '-----BEGIN RSA PRIVATE KEY-----\nMIIB (cut off)', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'],
  },
};

describe.each(Object.entries(CASES))('detector %s', (name, { hits, misses }) => {
  it.each(hits)('finds the value in %j', (text, expected) => {
    expect(found(name, text)).toEqual(expected);
  });
  it.each(misses)('finds nothing in %j', (text) => {
    expect(found(name, text)).toEqual([]);
  });
});

describe('open tails', () => {
  const tail = (name: string, text: string): string => text.slice(BUILTIN_DETECTORS.get(name)?.openTail(text));

  it('hold only what could still become a match', () => {
    expect(tail('email', 'Hello there, write to jane.do')).toBe('jane.do');
    expect(tail('email', 'mail jane@exam')).toBe('jane@exam');
    expect(tail('email', 'Hello there. ')).toBe('');
    expect(tail('phone', 'call +1 415 55')).toBe(' +1 415 55'.trimStart());
    expect(tail('credit_card', 'card 4111 1111 ')).toBe('4111 1111 ');
    expect(tail('aws_access_key', 'key AKIAIOS')).toBe('AKIAIOS');
    expect(tail('aws_access_key', 'key BKIAIOS')).toBe('');
    expect(tail('openai_key', 'token s')).toBe('s');
    expect(tail('openai_key', 'tokens')).toBe('');
    expect(tail('jwt', 'a eyJhbGciOiJ.eyJz')).toBe('eyJhbGciOiJ.eyJz');
    // A first segment shorter than 11 characters can never start a token.
    expect(tail('jwt', 'a eyJhbGc.eyJz')).toBe('eyJz');
    expect(tail('private_key', 'x -----BEGIN RSA PRI')).toBe('-----BEGIN RSA PRI');
    expect(tail('private_key', `x ${PRIVATE_KEY.slice(0, 80)}`)).toBe(PRIVATE_KEY.slice(0, 80));
    expect(tail('private_key', `x ${PRIVATE_KEY} done`)).toBe('');
    expect(tail('private_key', 'x -----BEGIN CERTIFICATE-----\nMIIB')).toBe('');
  });
});

describe('linear time on adversarial input', () => {
  // Inputs built to make a backtracking pattern explode: long runs of what a pattern accepts
  // followed by what breaks it. 100 KB each; a quadratic pattern would take seconds.
  const inputs: Record<string, string> = {
    'local-part run with @ at end': 'a'.repeat(100_000) + '@',
    'many @': 'a@'.repeat(50_000),
    'dots and at': 'a.'.repeat(50_000) + '@b',
    'digits with separators': '1 '.repeat(50_000),
    'digit run': '4'.repeat(100_000),
    'dashes and digits': '1-'.repeat(50_000),
    'hex and colons': 'a:'.repeat(50_000),
    'uppercase run': 'A'.repeat(100_000),
    'AKIA repeated': 'AKIA'.repeat(25_000),
    'sk- repeated': 'sk-'.repeat(33_000),
    'jwt-like': 'eyJ' + 'a'.repeat(5000) + '.eyJ' + 'b'.repeat(5000) + '.' + '.eyJa'.repeat(18_000),
    'key headers without footer': '-----BEGIN PRIVATE KEY-----\n'.repeat(3600),
    'dotted digits': '1.'.repeat(50_000),
    'open parens': '(1'.repeat(50_000),
  };
  it.each(Object.entries(inputs))('%s: every detector within 200 ms', (_label, text) => {
    for (const detector of BUILTIN_DETECTORS.values()) {
      const started = process.hrtime.bigint();
      detector.find(text);
      detector.openTail(text);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      expect({ detector: detector.name, slow: ms > 200 }).toEqual({ detector: detector.name, slow: false });
    }
  });
});
