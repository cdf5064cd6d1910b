import { GatewayError } from '../errors';
import { parseClientRequest } from './client-request';
import { repeatedJsonKey } from './json-keys';

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');

describe('repeatedJsonKey', () => {
  test.each([
    ['{"messages":[1],"model":"m","messages":[2]}', 'messages'],
    ['{"a":{"b":1,"c":{"d":1},"b":2}}', 'b'],
    ['[{"x":1},{"y":{"z":[{"k":1,"k":2}]}}]', 'k'],
    ['{"messages":1,"messag\\u0065s":2}', 'messages'],
    ['{"é":1,"\\u00e9":2}', 'é'],
    ['{ "a" : 1 , "a" : 2 }', 'a'],
    ['{"__proto__":1,"__proto__":2}', '__proto__'],
  ])('%s repeats %s', (text, key) => {
    expect(repeatedJsonKey(bytes(text))).toBe(key);
  });

  test.each([
    '{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}',
    '{"a":"a","b":"a"}',
    '{"a":["b","b"],"b":"{\\"a\\":1,\\"a\\":2}"}',
    '{"long":"' + 'x'.repeat(1000) + '\\"a\\":1","a":2}',
    '[1,2,"a","a"]',
    '"just a string"',
  ])('%s repeats nothing (a value equal to a key, keys of sibling objects, JSON inside a string)', (text) => {
    expect(repeatedJsonKey(bytes(text))).toBeUndefined();
  });

  test('parseClientRequest refuses a repeated key with 400 duplicate_json_key', () => {
    let error: unknown;
    try {
      parseClientRequest('openai-chat', bytes('{"model":"m","messages":[{"role":"user","content":"card 4111 1111 1111 1111"}],"messages":[{"role":"user","content":"hi"}]}'));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ status: 400, type: 'invalid_request_error', code: 'duplicate_json_key', param: null, message: 'The request body has the key "messages" twice in one object; send each key once.' });
    expect(() => parseClientRequest('anthropic-messages', bytes('{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"text","text":"a","text":"b"}]}]}'))).toThrow(
      'The request body has the key "text" twice in one object; send each key once.',
    );
  });
});
