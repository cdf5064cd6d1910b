import { mapResponseTexts } from './texts';

const upper = (text: string): string => text.toUpperCase();

describe('mapResponseTexts', () => {
  it('OpenAI chat: message content, refusal and tool call arguments', () => {
    const body = { choices: [{ index: 0, message: { role: 'assistant', content: 'hi', refusal: 'no', tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{"a":"b"}' } }] } }] };
    expect(mapResponseTexts('openai-chat', body, upper)).toEqual({
      choices: [{ index: 0, message: { role: 'assistant', content: 'HI', refusal: 'NO', tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{"a":"B"}' } }] } }],
    });
  });

  it('Anthropic: text blocks and tool_use input', () => {
    const body = { content: [{ type: 'text', text: 'hi' }, { type: 'tool_use', id: 't', name: 'f', input: { q: 'x', nested: { list: ['y'] } } }] };
    expect(mapResponseTexts('anthropic-messages', body, upper)).toEqual({
      content: [{ type: 'text', text: 'HI' }, { type: 'tool_use', id: 't', name: 'f', input: { q: 'X', nested: { list: ['Y'] } } }],
    });
  });

  it('Responses API: output_text parts and function calls', () => {
    const body = { output: [{ type: 'message', content: [{ type: 'output_text', text: 'hi', annotations: [] }] }, { type: 'function_call', name: 'f', arguments: '{"a":"b"}' }] };
    expect(mapResponseTexts('openai-responses', body, upper)).toEqual({
      output: [{ type: 'message', content: [{ type: 'output_text', text: 'HI', annotations: [] }] }, { type: 'function_call', name: 'f', arguments: '{"a":"B"}' }],
    });
  });
});
