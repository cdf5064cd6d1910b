import { GatewayError } from '../errors';
import { parseClientRequest } from './client-request';
import { DEFAULT_MAX_JSON_DEPTH } from './json-depth';

/** A chat request whose first message's content is `content` (raw JSON text): content sits 3 levels down. */
const chatWith = (content: string): Buffer => Buffer.from(`{"model":"m","messages":[{"role":"user","content":${content}}]}`);
const arrays = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
const objects = (depth: number): string => '{"a":'.repeat(depth) + '"x"' + '}'.repeat(depth);

function failure(action: () => unknown): GatewayError {
  try {
    action();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('did not throw');
}

describe('parseClientRequest: nesting depth (limits.maxJsonDepth)', () => {
  test('5,000 levels inside messages[0].content: 400 json_too_deep naming the limit, not a stack overflow', () => {
    for (const content of [arrays(5000), objects(5000)]) {
      const error = failure(() => parseClientRequest('openai-chat', chatWith(content)));
      expect(error).toMatchObject({ status: 400, type: 'invalid_request_error', code: 'json_too_deep', param: null, userFacing: true });
      expect(error.message).toBe('The request body nests arrays and objects more than 128 levels deep (limits.maxJsonDepth).');
    }
  });

  test('the default limit: 128 levels pass, 129 do not', () => {
    expect(DEFAULT_MAX_JSON_DEPTH).toBe(128);
    expect(parseClientRequest('openai-chat', chatWith(arrays(125))).model).toBe('m');
    expect(failure(() => parseClientRequest('openai-chat', chatWith(arrays(126)))).code).toBe('json_too_deep');
  });

  test('the limit comes from the options', () => {
    expect(parseClientRequest('anthropic-messages', Buffer.from(`{"model":"m","max_tokens":5,"messages":[{"role":"user","content":${objects(13)}}]}`), { maxJsonDepth: 16 }).api).toBe('anthropic-messages');
    const error = failure(() => parseClientRequest('anthropic-messages', Buffer.from(`{"model":"m","max_tokens":5,"messages":[{"role":"user","content":${objects(14)}}]}`), { maxJsonDepth: 16 }));
    expect(error.message).toBe('The request body nests arrays and objects more than 16 levels deep (limits.maxJsonDepth).');
  });

  test('100,000 levels are refused quickly, with no RangeError', () => {
    const body = chatWith(arrays(100_000));
    const start = process.hrtime.bigint();
    expect(failure(() => parseClientRequest('openai-chat', body)).code).toBe('json_too_deep');
    expect(Number(process.hrtime.bigint() - start) / 1e6).toBeLessThan(100);
  });

  test('a deep but legitimate JSON-schema tool (20 nested objects, each through anyOf) fits the default comfortably', () => {
    let schema: unknown = { type: 'string' };
    for (let level = 0; level < 20; level++) schema = { type: 'object', properties: { child: { anyOf: [schema, { type: 'null' }] } }, required: ['child'] };
    const body = { model: 'm', messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: { name: 'tree', parameters: schema } }] };
    const request = parseClientRequest('openai-chat', Buffer.from(JSON.stringify(body)));
    expect(request.body.tools).toEqual(body.tools);
    // 4 levels per schema level, the innermost schema and the envelope (4): 85, well under 128.
    expect(() => parseClientRequest('openai-chat', Buffer.from(JSON.stringify(body)), { maxJsonDepth: 85 })).not.toThrow();
    expect(failure(() => parseClientRequest('openai-chat', Buffer.from(JSON.stringify(body)), { maxJsonDepth: 84 })).code).toBe('json_too_deep');
  });

  test('brackets inside strings do not count; malformed JSON is still invalid_json', () => {
    expect(parseClientRequest('openai-chat', chatWith(JSON.stringify(arrays(5000)))).model).toBe('m');
    expect(failure(() => parseClientRequest('openai-chat', Buffer.from('{"model":"m","messages":[{"role":"user","content":"x\\"]}'))).code).toBe('invalid_json');
  });
});

describe('parseClientRequest: legacy completions prompts', () => {
  const parse = (prompt: unknown): unknown => parseClientRequest('openai-completions', Buffer.from(JSON.stringify({ model: 'm', prompt })));
  const PROMPT_ERROR = 'prompt must be a string, an array of strings, an array of token ids, or an array of token id arrays.';

  test.each([['a string', 'hi'], ['strings', ['a', 'b']], ['token ids', [1, 2, 3]], ['token id arrays', [[1, 2], [3]]], ['an empty string', '']])('takes %s', (_name, prompt) => {
    expect(parse(prompt)).toMatchObject({ api: 'openai-completions', model: 'm', stream: false });
  });

  test.each([['an empty array', []], ['mixed strings and ids', ['a', 1]], ['an object', { text: 'a' }], ['a negative id', [-1]], ['a fractional id', [1.5]], ['an empty id array', [[]]]])(
    'refuses %s, naming prompt',
    (_name, prompt) => {
      const error = (() => {
        try {
          parse(prompt);
        } catch (caught) {
          return caught;
        }
        return undefined;
      })() as GatewayError;
      expect({ status: error.status, param: error.param, message: error.message }).toEqual({ status: 400, param: 'prompt', message: PROMPT_ERROR });
    },
  );

  test('a missing prompt is named, and stream usage is the client\'s only when asked', () => {
    expect(() => parseClientRequest('openai-completions', Buffer.from('{"model":"m"}'))).toThrow('You must provide a prompt parameter.');
    const streamed = parseClientRequest('openai-completions', Buffer.from('{"model":"m","prompt":"hi","stream":true}'));
    expect({ stream: streamed.stream, clientWantsStreamUsage: streamed.clientWantsStreamUsage }).toEqual({ stream: true, clientWantsStreamUsage: false });
    const asked = parseClientRequest('openai-completions', Buffer.from('{"model":"m","prompt":"hi","stream":true,"stream_options":{"include_usage":true}}'));
    expect(asked.clientWantsStreamUsage).toBe(true);
  });
});
