import { validateConfig } from '../config/load';
import { compileConfig } from '../config/runtime';
import type { RuntimeConfig } from '../config/runtime';
import { authenticate, hashApiKey, presentedKey } from './api-keys';

const LONGEST_KEY = 'k'.repeat(4096);
const OVERLONG_KEY = 'k'.repeat(4097);

function configWithCallers(callers: Array<{ name: string; key: string; team: string; project: string; user?: string }>): RuntimeConfig {
  return compileConfig(
    validateConfig({
      backends: [{ name: 'a', kind: 'openai', baseUrl: 'http://a' }],
      models: [{ name: 'm', backends: [{ backend: 'a' }] }],
      callers: callers.map(({ key, ...caller }) => ({ ...caller, keyHash: hashApiKey(key) })),
    }),
    {},
  );
}

const CONFIG = configWithCallers([
  { name: 'alice', key: 'sk-alice-0001', team: 'research', project: 'chatbot', user: 'alice@example.com' },
  { name: 'bob', key: 'sk-bob-0002', team: 'platform', project: 'batch' },
  { name: 'carol', key: 'sk-carol-0003', team: 'research', project: 'evals' },
  { name: 'longest', key: LONGEST_KEY, team: 'edge', project: 'limits' },
  { name: 'overlong', key: OVERLONG_KEY, team: 'edge', project: 'limits' },
]);

describe('hashApiKey', () => {
  test('sha256:<64 lowercase hex> of the UTF-8 key', () => {
    expect(hashApiKey('abc')).toBe('sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hashApiKey('')).toBe('sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hashApiKey('sk-aigw-demo')).toBe('sha256:c7b51ef2e45c5f05cefec08758a05482886576bee37a4eb2294eb7bcc3923d82');
  });

  test('the format is what the config schema accepts', () => {
    expect(hashApiKey('ключ 🔑')).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(hashApiKey('a')).not.toBe(hashApiKey('A'));
  });
});

describe('presentedKey', () => {
  const headers = (entries: Record<string, string>): ReadonlyMap<string, string> => new Map(Object.entries(entries));

  test.each<[string, string]>([
    ['Bearer sk-1', 'sk-1'],
    ['bearer sk-1', 'sk-1'],
    ['BEARER sk-1', 'sk-1'],
    ['BeArEr sk-1', 'sk-1'],
    ['Bearer    sk-1', 'sk-1'],
    ['Bearer sk-1  ', 'sk-1'],
    ['Bearer\tsk-1', 'sk-1'],
  ])('authorization %p gives %p', (authorization, key) => {
    expect(presentedKey(headers({ authorization }))).toBe(key);
  });

  test.each(['', 'Bearer', 'Bearer ', 'Bearer sk-1 sk-2', 'Basic dXNlcjpwYXNz', 'sk-1', ' Bearer sk-1', 'Bearersk-1', 'Token sk-1'])(
    'malformed authorization %p gives undefined',
    (authorization) => {
      expect(presentedKey(headers({ authorization }))).toBeUndefined();
    },
  );

  test('x-api-key, trimmed', () => {
    expect(presentedKey(headers({ 'x-api-key': 'sk-ant-1' }))).toBe('sk-ant-1');
    expect(presentedKey(headers({ 'x-api-key': '  sk-ant-1 ' }))).toBe('sk-ant-1');
  });

  test('an empty or blank x-api-key gives undefined', () => {
    expect(presentedKey(headers({ 'x-api-key': '' }))).toBeUndefined();
    expect(presentedKey(headers({ 'x-api-key': '   ' }))).toBeUndefined();
  });

  test('authorization wins when both headers carry a key', () => {
    expect(presentedKey(headers({ authorization: 'Bearer sk-openai', 'x-api-key': 'sk-anthropic' }))).toBe('sk-openai');
  });

  test('no key header gives undefined', () => {
    expect(presentedKey(headers({}))).toBeUndefined();
    expect(presentedKey(headers({ 'content-type': 'application/json', cookie: 'key=sk-1' }))).toBeUndefined();
  });
});

describe('authenticate', () => {
  test('finds the right caller among several', () => {
    expect(authenticate(CONFIG, 'sk-alice-0001')).toEqual({
      caller: 'alice',
      team: 'research',
      project: 'chatbot',
      user: 'alice@example.com',
    });
    expect(authenticate(CONFIG, 'sk-bob-0002')).toEqual({ caller: 'bob', team: 'platform', project: 'batch', user: undefined });
    expect(authenticate(CONFIG, 'sk-carol-0003')).toEqual({ caller: 'carol', team: 'research', project: 'evals', user: undefined });
  });

  test.each<[string, string | undefined]>([
    ['a wrong key', 'sk-alice-0002'],
    ['a prefix of a key', 'sk-alice-000'],
    ['a key with extra text', 'sk-alice-0001 '],
    ['a key in another case', 'SK-ALICE-0001'],
    ['a hash instead of the key', hashApiKey('sk-alice-0001')],
    ['an empty key', ''],
    ['no key', undefined],
  ])('rejects %s', (_label, key) => {
    expect(authenticate(CONFIG, key)).toBeUndefined();
  });

  test('keys up to 4096 characters are checked; longer ones are rejected even when configured', () => {
    expect(authenticate(CONFIG, LONGEST_KEY)?.caller).toBe('longest');
    expect(authenticate(CONFIG, OVERLONG_KEY)).toBeUndefined();
  });

  test('no callers: every key is rejected', () => {
    const empty = configWithCallers([]);
    expect(empty.callersByKeyDigest.size).toBe(0);
    expect(authenticate(empty, 'sk-alice-0001')).toBeUndefined();
  });

  test('a key presented in a header reaches its caller', () => {
    const key = presentedKey(new Map([['authorization', 'Bearer sk-carol-0003']]));
    expect(authenticate(CONFIG, key)?.caller).toBe('carol');
  });
});
