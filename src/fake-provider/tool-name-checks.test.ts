import { defaultBehaviour } from './behaviours';
import type { Behaviour, RecordedRequest } from './behaviours';
import { FakeProvider } from './fake-provider';
import { historyRefusal } from './history-refusals';

const CONTEXT = { name: 'fake', nextCompletionId: () => 'chatcmpl-fake-1', nextMessageId: () => 'msg_1' };
const SIGNED =
  'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/bedrock/aws4_request, SignedHeaders=content-type;host;x-amz-date, ' +
  'Signature=c0221ba617122eaf2540ca813bb3caa66a0e1f0227cebf241b817bc0840a81aa';
const LONG = `t${'x'.repeat(64)}`;

function answer(path: string, json: unknown, headers: Record<string, string> = {}): Behaviour {
  const request: RecordedRequest = { method: 'POST', path, headers, body: JSON.stringify(json), json, receivedAt: 0 };
  return historyRefusal(request) ?? defaultBehaviour(request, CONTEXT);
}

const openAIError = (message: string, param: string, code: string): Behaviour => ({ kind: 'json', status: 400, body: { error: { message, type: 'invalid_request_error', param, code } } });
const bedrockError = (message: string): Behaviour => ({ kind: 'json', status: 400, body: { message }, headers: { 'x-amzn-errortype': 'ValidationException' } });
const anthropicError = (message: string): Behaviour => ({ kind: 'anthropic-error', status: 400, errorType: 'invalid_request_error', message });
const geminiError = (at: string): Behaviour => ({
  kind: 'json',
  status: 400,
  body: {
    error: {
      code: 400,
      message: `* ${at}: Invalid function name. Must start with a letter or an underscore. Must be alphameric (a-z, A-Z, 0-9), underscores (_), dots (.), colons (:), or dashes (-), with a maximum length of 64.\n`,
      status: 'INVALID_ARGUMENT',
    },
  },
});

describe('OpenAI', () => {
  const chat = (tool: string, called = 'get_weather'): unknown => ({
    model: 'gpt',
    tools: [{ type: 'function', function: { name: tool } }],
    messages: [{ role: 'assistant', tool_calls: [{ id: 'c1', type: 'function', function: { name: called, arguments: '{}' } }] }, { role: 'tool', tool_call_id: 'c1', content: 'x' }],
  });

  test('a dotted tool name: the pattern error, naming the parameter', () => {
    expect(answer('/v1/chat/completions', chat('github.create_issue'))).toEqual(
      openAIError("Invalid 'tools[0].function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.", 'tools[0].function.name', 'invalid_value'),
    );
  });

  test('a 65-character name, in the history: too long', () => {
    expect(answer('/v1/chat/completions', chat('ok', LONG))).toEqual(
      openAIError(
        "Invalid 'messages[0].tool_calls[0].function.name': string too long. Expected a string with maximum length 64, but got a string with length 65 instead.",
        'messages[0].tool_calls[0].function.name',
        'string_above_max_length',
      ),
    );
  });

  test('Responses API: function tools and function_call items; valid names get the normal answer', () => {
    const body = { model: 'gpt', input: [{ type: 'function_call', call_id: 'c', name: 'ns:tool', arguments: '{}' }], tools: [{ type: 'function', name: 'ok' }] };
    expect(answer('/v1/responses', body)).toEqual(openAIError("Invalid 'input[0].name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.", 'input[0].name', 'invalid_value'));
    expect(answer('/v1/chat/completions', chat('get_weather'))).toMatchObject({ kind: 'json', status: 200 });
  });
});

describe('Anthropic, Bedrock and Gemini', () => {
  test('Anthropic: a custom tool (not a server tool) with a dotted name, and a tool_use name over 128', () => {
    const body = (tools: unknown[], called: string): unknown => ({ model: 'claude', max_tokens: 5, tools, messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: called, input: {} }] }] });
    expect(answer('/v1/messages', body([{ type: 'web_search_20250305', name: 'web_search' }, { name: 'a.b', input_schema: {} }], 'ok'))).toEqual(
      anthropicError("tools.1.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'"),
    );
    expect(answer('/v1/messages', body([], 'y'.repeat(129)))).toEqual(anthropicError("messages.1.content.0.tool_use.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'"));
  });

  test('Bedrock Converse: toolSpec, toolChoice and toolUse names, 1-based member paths', () => {
    const body = (spec: string, choice: string, used: string): unknown => ({
      messages: [{ role: 'user', content: [{ text: 'x' }] }, { role: 'assistant', content: [{ text: 'y' }, { toolUse: { toolUseId: 'u1', name: used, input: {} } }] }, { role: 'user', content: [{ toolResult: { toolUseId: 'u1', content: [{ text: 'z' }] } }] }],
      toolConfig: { tools: [{ toolSpec: { name: 'ok', inputSchema: { json: {} } } }, { toolSpec: { name: spec, inputSchema: { json: {} } } }], toolChoice: { tool: { name: choice } } },
    });
    const path = '/model/m/converse';
    expect(answer(path, body('ns:tool', 'ok', 'ok'), { authorization: SIGNED })).toEqual(
      bedrockError("1 validation error detected: Value 'ns:tool' at 'toolConfig.tools.2.member.toolSpec.name' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+"),
    );
    expect(answer(path, body('ok', LONG, 'ok'), { authorization: SIGNED })).toEqual(
      bedrockError(`1 validation error detected: Value '${LONG}' at 'toolConfig.toolChoice.tool.name' failed to satisfy constraint: Member must have length less than or equal to 64`),
    );
    expect(answer(path, body('ok', 'ok', 'a.b'), { authorization: SIGNED })).toEqual(
      bedrockError("1 validation error detected: Value 'a.b' at 'messages.2.member.content.2.member.toolUse.name' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+"),
    );
  });

  test('Gemini: a declaration starting with a digit, and a functionResponse name over 64', () => {
    const path = '/v1beta/models/gemini-2.5-flash:generateContent';
    const body = (declared: string, answered: string): unknown => ({
      contents: [{ role: 'user', parts: [{ text: 'x' }] }, { role: 'model', parts: [{ functionCall: { name: 'ok.tool', args: {} } }] }, { role: 'user', parts: [{ functionResponse: { name: answered, response: {} } }] }],
      tools: [{ functionDeclarations: [{ name: 'ns:ok' }, { name: declared }] }],
    });
    expect(answer(path, body('2fa', 'ok'))).toEqual(geminiError('GenerateContentRequest.tools[0].function_declarations[1].name'));
    expect(answer(path, body('_2fa', LONG))).toEqual(geminiError('GenerateContentRequest.contents[2].parts[0].function_response.name'));
    expect(answer(path, body('_2fa', 'ok.tool'))).toMatchObject({ kind: 'json', status: 200 });
  });
});

describe("a queued 'checked' answer", () => {
  let provider: FakeProvider;
  beforeAll(async () => {
    provider = await FakeProvider.start({ name: 'checked' });
  });
  afterAll(() => provider.close());

  const post = (name: string): Promise<Response> =>
    fetch(`${provider.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'gpt', messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function', function: { name } }] }) });

  test('is sent for a request the provider accepts, and replaced by its refusal for one it refuses', async () => {
    provider.enqueue({ kind: 'checked', then: { kind: 'json', status: 200, body: { queued: true } } });
    provider.enqueue({ kind: 'checked', then: { kind: 'json', status: 200, body: { queued: true } } });
    const accepted = await post('get_weather');
    expect([accepted.status, await accepted.json()]).toEqual([200, { queued: true }]);
    const refused = await post('a.b');
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { param: string } }).error.param).toBe('tools[0].function.name');
  });
});
