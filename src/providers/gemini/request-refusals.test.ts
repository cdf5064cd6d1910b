import { refusal, USER } from './__fixtures__/fixture-support';

const image = (url: string): object => ({ model: 'm', messages: [USER, { role: 'user', content: [{ type: 'image_url', image_url: { url } }] }] });
const IMAGE_MESSAGE = 'messages[1].content[0].image_url: only base64 data URLs (data:image/png;base64,...) can be sent to a gemini backend; it does not fetch image URLs.';

describe('refused requests', () => {
  const cases: Array<[string, object, string, string]> = [
    ['https image', image('https://example.com/a.png'), 'messages[1].content[0].image_url', IMAGE_MESSAGE],
    ['http image', image('http://example.com/a.png'), 'messages[1].content[0].image_url', IMAGE_MESSAGE],
    ['data URL without base64', image('data:image/png,raw'), 'messages[1].content[0].image_url', IMAGE_MESSAGE],
    [
      'image in an assistant message',
      { model: 'm', messages: [USER, { role: 'assistant', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AA==' } }] }] },
      'messages[1].content[0].type',
      'messages[1].content[0].type: content parts of type image_url cannot be sent to a gemini backend here.',
    ],
    [
      'a tool result for an unknown call',
      { model: 'm', messages: [USER, { role: 'tool', tool_call_id: 'call_x', content: 'r' }] },
      'messages[1].tool_call_id',
      'messages[1].tool_call_id call_x does not match a tool call of an earlier assistant message.',
    ],
    [
      'tool arguments that are not an object',
      { model: 'm', messages: [USER, { role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '[1]' } }] }] },
      'messages[1].tool_calls[0].function.arguments',
      'messages[1].tool_calls[0].function.arguments must be a JSON object: Gemini function call args are objects.',
    ],
    ['only a system message', { model: 'm', messages: [{ role: 'system', content: 'x' }] }, 'messages', 'backend "gemini" (gemini) needs at least one user or assistant message with content.'],
    ['a bad reasoning effort', { model: 'm', messages: [USER], reasoning_effort: 'max' }, 'reasoning_effort', 'reasoning_effort must be one of none, minimal, low, medium, high.'],
    ['a non-function tool', { model: 'm', messages: [USER], tools: [{ type: 'web_search' }] }, 'tools[0].type', 'tools[0].type: only function tools can be sent to a gemini backend.'],
    ['n = 0', { model: 'm', messages: [USER], n: 0 }, 'n', 'n must be a positive integer.'],
  ];
  test.each(cases)('%s', (_name, body, param, message) => {
    const error = refusal(body);
    expect({ status: error.status, type: error.type, param: error.param, message: error.message }).toEqual({ status: 400, type: 'invalid_request_error', param, message });
  });
});
