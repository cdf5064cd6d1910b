import { convertAnthropicError } from './convert-anthropic-error';

function convert(status: number, body: string): unknown {
  const converted = convertAnthropicError(status, Buffer.from(body));
  expect(Buffer.isBuffer(converted)).toBe(true);
  return JSON.parse(converted.toString('utf8')) as unknown;
}

describe('convertAnthropicError', () => {
  const table: Array<[number, string, string]> = [
    [400, 'invalid_request_error', 'invalid_request_error'],
    [401, 'authentication_error', 'authentication_error'],
    [403, 'permission_error', 'permission_error'],
    [404, 'not_found_error', 'not_found_error'],
    [429, 'rate_limit_error', 'rate_limit_error'],
    [529, 'overloaded_error', 'server_error'],
    [500, 'api_error', 'server_error'],
    [504, 'timeout_error', 'server_error'],
    [413, 'request_too_large', 'invalid_request_error'],
    [402, 'billing_error', 'invalid_request_error'],
  ];
  test.each(table)('%d %s → %s', (status, anthropicType, openAIType) => {
    const body = JSON.stringify({ type: 'error', error: { type: anthropicType, message: `a ${anthropicType}` }, request_id: 'req_011CSHoEeqs5C35K2UUqR7Fy' });
    expect(convert(status, body)).toEqual({ error: { message: `a ${anthropicType}`, type: openAIType, param: null, code: anthropicType } });
  });

  test('a body that is not Anthropic-shaped is wrapped the generic OpenAI way', () => {
    expect(convert(503, 'upstream connect error or disconnect/reset before headers')).toEqual({
      error: { message: 'upstream connect error or disconnect/reset before headers', type: 'server_error', param: null, code: 'upstream_error' },
    });
    expect(convert(502, '')).toEqual({ error: { message: 'Upstream answered with status 502', type: 'server_error', param: null, code: 'upstream_error' } });
  });

  test('an OpenAI-shaped body (from a proxy in front of Anthropic) is kept as it is', () => {
    const body = '{"error":{"message":"quota","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}';
    expect(convertAnthropicError(429, Buffer.from(body)).toString('utf8')).toBe(body);
  });
});
