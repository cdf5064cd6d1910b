import { chatWith, refusal, translate, USER } from './__fixtures__/fixture-support';

describe('refused requests', () => {
  const cases: Array<[string, object, string, string | null, string]> = [
    [
      'response_format json_schema without a schema',
      chatWith({ response_format: { type: 'json_schema', json_schema: { name: 'x' } } }),
      'response_format.json_schema.schema',
      null,
      'response_format.json_schema.schema must be a JSON Schema object.',
    ],
    [
      'response_format json_object',
      chatWith({ response_format: { type: 'json_object' } }),
      'response_format',
      'unsupported_parameter',
      'response_format json_object cannot be enforced by backend "anthropic" (anthropic): the Messages API has no equivalent.',
    ],
    ['n > 1', chatWith({ n: 2 }), 'n', 'unsupported_value', 'n must be 1: backend "anthropic" (anthropic) returns one choice per request.'],
    [
      'http image',
      { model: 'm', messages: [USER, { role: 'user', content: [{ type: 'image_url', image_url: { url: 'http://example.com/a.png' } }] }] },
      'messages[1].content[0].image_url',
      null,
      'messages[1].content[0].image_url: only https URLs and base64 data URLs (data:image/png;base64,...) can be sent to an anthropic backend.',
    ],
    [
      'file image',
      { model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'see' }, { type: 'image_url', image_url: { url: 'file:///etc/passwd' } }] }] },
      'messages[0].content[1].image_url',
      null,
      'messages[0].content[1].image_url: only https URLs and base64 data URLs (data:image/png;base64,...) can be sent to an anthropic backend.',
    ],
    [
      'data URL without base64',
      { model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png,rawbytes' } }] }] },
      'messages[0].content[0].image_url',
      null,
      'messages[0].content[0].image_url: only https URLs and base64 data URLs (data:image/png;base64,...) can be sent to an anthropic backend.',
    ],
    [
      'svg image',
      { model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/svg+xml;base64,PHN2Zz4=' } }] }] },
      'messages[0].content[0].image_url',
      null,
      'messages[0].content[0].image_url: Anthropic accepts image/jpeg, image/png, image/gif, image/webp images, not image/svg+xml.',
    ],
    [
      'unparseable tool arguments',
      {
        model: 'm',
        messages: [USER, { role: 'assistant', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":' } }] }],
      },
      'messages[1].tool_calls[0].function.arguments',
      null,
      'messages[1].tool_calls[0].function.arguments is not valid JSON.',
    ],
    [
      'tool arguments that are not an object',
      { model: 'm', messages: [USER, { role: 'assistant', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '[1]' } }] }] },
      'messages[1].tool_calls[0].function.arguments',
      null,
      'messages[1].tool_calls[0].function.arguments must be a JSON object: Anthropic tool inputs are objects.',
    ],
    [
      'audio input',
      { model: 'm', messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }] }] },
      'messages[0].content[0].type',
      null,
      'messages[0].content[0].type: content parts of type input_audio cannot be sent to an anthropic backend in a user message.',
    ],
    [
      'image in a system message',
      { model: 'm', messages: [{ role: 'system', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] }, USER] },
      'messages[0].content[0].type',
      null,
      'messages[0].content[0].type: content parts of type image_url cannot be sent to an anthropic backend in a system message.',
    ],
    ['function role', { model: 'm', messages: [{ role: 'function', name: 'f', content: 'x' }] }, 'messages[0].role', null, 'messages[0].role: function messages cannot be sent to an anthropic backend.'],
    ['tool result without id', { model: 'm', messages: [USER, { role: 'tool', content: 'x' }] }, 'messages[1].tool_call_id', null, 'messages[1].tool_call_id must be a non-empty string.'],
    ['unknown reasoning effort', chatWith({ reasoning_effort: 'extreme' }), 'reasoning_effort', 'unsupported_value', 'reasoning_effort must be one of none, minimal, low, medium, high.'],
    ['custom tool', chatWith({ tools: [{ type: 'custom', custom: { name: 'x' } }] }), 'tools[0].type', null, 'tools[0].type: only function tools can be sent to an anthropic backend.'],
    ['max_tokens 0', chatWith({ max_tokens: 0 }), 'max_tokens', null, 'max_tokens must be a positive integer.'],
    ['stop as a number', chatWith({ stop: 7 }), 'stop', null, 'stop must be a string or an array of strings.'],
  ];
  test.each(cases)('%s', (_name, body, param, code, message) => {
    const error = refusal(body);
    expect({ status: error.status, type: error.type, param: error.param, code: error.code, message: error.message }).toEqual({
      status: 400,
      type: 'invalid_request_error',
      param,
      code,
      message,
    });
  });

  test('response_format text and n = 1 are fine', () => {
    expect(translate(chatWith({ response_format: { type: 'text' }, n: 1 })).warnings).toEqual([]);
  });
});
