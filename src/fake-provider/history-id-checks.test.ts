import { defaultBehaviour } from './behaviours';
import type { RecordedRequest } from './behaviours';

const CONTEXT = { name: 'fake', nextCompletionId: () => 'resp-1', nextMessageId: () => 'msg_1' };
const SIGNED =
  'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/bedrock/aws4_request, SignedHeaders=content-type;host;x-amz-date, ' +
  'Signature=c0221ba617122eaf2540ca813bb3caa66a0e1f0227cebf241b817bc0840a81aa';
const LONG_ID = `call_${'x'.repeat(60)}`;

function request(path: string, json: unknown, headers: Record<string, string> = {}): RecordedRequest {
  return { method: 'POST', path, headers, body: JSON.stringify(json), json, receivedAt: 0 };
}

/** A Converse history with one call and its result, both with `id`. */
function converse(id: string): unknown {
  return {
    messages: [
      { role: 'user', content: [{ text: 'weather?' }] },
      { role: 'assistant', content: [{ text: 'Checking.' }, { toolUse: { toolUseId: id, name: 'get_weather', input: {} } }] },
      { role: 'user', content: [{ toolResult: { toolUseId: id, content: [{ text: '3C' }] } }] },
    ],
  };
}

/** A Messages history with one call and its result, both with `id`. */
function messages(id: string): unknown {
  return {
    model: 'claude',
    max_tokens: 10,
    messages: [
      { role: 'user', content: 'weather?' },
      { role: 'assistant', content: [{ type: 'tool_use', id, name: 'get_weather', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: '3C' }] },
    ],
  };
}

describe('Bedrock Converse refuses toolUseIds outside 1–64 of [a-zA-Z0-9_-] as the real API does', () => {
  test.each([
    ['functions.get_weather:1', "Value 'functions.get_weather:1' at 'messages.2.member.content.2.member.toolUse.toolUseId' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+"],
    [LONG_ID, `Value '${LONG_ID}' at 'messages.2.member.content.2.member.toolUse.toolUseId' failed to satisfy constraint: Member must have length less than or equal to 64`],
  ])('%s', (id, detail) => {
    expect(defaultBehaviour(request('/model/m/converse', converse(id), { authorization: SIGNED }), CONTEXT)).toEqual({
      kind: 'json',
      status: 400,
      body: { message: `1 validation error detected: ${detail}` },
      headers: { 'x-amzn-errortype': 'ValidationException' },
    });
  });

  test('a valid pair is answered', () => {
    expect(defaultBehaviour(request('/model/m/converse', converse('tooluse_abc-1'), { authorization: SIGNED }), CONTEXT)).toMatchObject({ kind: 'json', status: 200 });
  });
});

describe('Anthropic Messages refuses tool ids outside ^[a-zA-Z0-9_-]+$ as the real API does', () => {
  test('a dotted id in tool_use', () => {
    expect(defaultBehaviour(request('/v1/messages', messages('functions.get_weather:1')), CONTEXT)).toEqual({
      kind: 'anthropic-error',
      status: 400,
      errorType: 'invalid_request_error',
      message: "messages.1.content.0.tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'",
    });
  });

  test('a long id is no violation for Anthropic (no length limit documented)', () => {
    expect(defaultBehaviour(request('/v1/messages', messages(LONG_ID)), CONTEXT)).toMatchObject({ kind: 'json', status: 200 });
  });
});
