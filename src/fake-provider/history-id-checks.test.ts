import { defaultBehaviour } from './behaviours';
import { historyRefusal } from './history-refusals';
import type { RecordedRequest } from './behaviours';

const CONTEXT = { name: 'fake', nextCompletionId: () => 'resp-1', nextMessageId: () => 'msg_1' };
const SIGNED =
  'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/bedrock/aws4_request, SignedHeaders=content-type;host;x-amz-date, ' +
  'Signature=c0221ba617122eaf2540ca813bb3caa66a0e1f0227cebf241b817bc0840a81aa';
const LONG_ID = `call_${'x'.repeat(60)}`;

/** What the fake server answers: the history checks first, then the default reply. */
function answer(recorded: RecordedRequest, context: typeof CONTEXT): ReturnType<typeof defaultBehaviour> {
  return historyRefusal(recorded) ?? defaultBehaviour(recorded, context);
}

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
    expect(answer(request('/model/m/converse', converse(id), { authorization: SIGNED }), CONTEXT)).toEqual({
      kind: 'json',
      status: 400,
      body: { message: `1 validation error detected: ${detail}` },
      headers: { 'x-amzn-errortype': 'ValidationException' },
    });
  });

  test('a valid pair is answered', () => {
    expect(answer(request('/model/m/converse', converse('tooluse_abc-1'), { authorization: SIGNED }), CONTEXT)).toMatchObject({ kind: 'json', status: 200 });
  });
});

describe('Anthropic Messages refuses tool ids outside ^[a-zA-Z0-9_-]+$ as the real API does', () => {
  test('a dotted id in tool_use', () => {
    expect(answer(request('/v1/messages', messages('functions.get_weather:1')), CONTEXT)).toEqual({
      kind: 'anthropic-error',
      status: 400,
      errorType: 'invalid_request_error',
      message: "messages.1.content.0.tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'",
    });
  });

  test('a long id is no violation for Anthropic (no length limit documented)', () => {
    expect(answer(request('/v1/messages', messages(LONG_ID)), CONTEXT)).toMatchObject({ kind: 'json', status: 200 });
  });
});

describe('calls and results must pair, as each real API requires', () => {
  test('Anthropic: a tool_result whose id matches no tool_use of the previous message', () => {
    const body = messages('toolu_a') as { messages: Array<{ content: unknown }> };
    body.messages[2].content = [{ type: 'tool_result', tool_use_id: 'toolu_a', content: '3C' }, { type: 'tool_result', tool_use_id: 'toolu_b', content: '4C' }];
    expect(answer(request('/v1/messages', body), CONTEXT)).toMatchObject({
      status: 400,
      message: 'messages.2.content.1: unexpected `tool_use_id` found in `tool_result` blocks: toolu_b. Each `tool_result` block must have a corresponding `tool_use` block in the previous message.',
    });
  });

  test('Anthropic: a tool_use not answered in the next message', () => {
    const body = messages('toolu_a') as { messages: Array<{ content: unknown }> };
    body.messages[2].content = 'never mind';
    expect(answer(request('/v1/messages', body), CONTEXT)).toMatchObject({
      status: 400,
      message: 'messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_a. Each `tool_use` block must have a corresponding `tool_result` block in the next message.',
    });
  });

  test('Bedrock: more toolResult blocks than the previous turn had toolUse blocks', () => {
    const body = converse('tooluse_a') as { messages: Array<{ content: unknown[] }> };
    body.messages[2].content.push({ toolResult: { toolUseId: 'tooluse_b', content: [{ text: '4C' }] } });
    expect(answer(request('/model/m/converse', body, { authorization: SIGNED }), CONTEXT)).toEqual({
      kind: 'json',
      status: 400,
      body: { message: 'The number of toolResult blocks at messages.2.content exceeds the number of toolUse blocks of previous turn.' },
      headers: { 'x-amzn-errortype': 'ValidationException' },
    });
  });

  test('Bedrock: a toolResult whose id matches no toolUse', () => {
    const body = converse('tooluse_a') as { messages: Array<{ content: Array<{ toolResult?: { toolUseId: string } }> }> };
    body.messages[2].content[0].toolResult = { toolUseId: 'tooluse_b' };
    expect(answer(request('/model/m/converse', body, { authorization: SIGNED }), CONTEXT)).toMatchObject({ status: 400, body: { message: 'messages.2.content: toolResult tooluse_b matches no toolUse of the previous turn.' } });
  });
});
