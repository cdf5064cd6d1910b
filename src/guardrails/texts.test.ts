import { mapRequestTexts } from './texts';

const upper = (text: string): string => text.toUpperCase();

describe('mapRequestTexts', () => {
  it('Responses API: instructions, string input, message parts, function call arguments and outputs', () => {
    const body = {
      model: 'm',
      instructions: 'be kind',
      input: [
        { role: 'user', content: 'hello' },
        { role: 'user', content: [{ type: 'input_text', text: 'part' }, { type: 'input_image', image_url: 'https://x/y.png' }] },
        { type: 'function_call', call_id: 'c', name: 'f', arguments: '{"q":"abc","n":[1,"x"]}' },
        { type: 'function_call_output', call_id: 'c', output: 'result' },
      ],
      tools: [{ type: 'function', name: 'f', description: 'keep me' }],
    };
    expect(mapRequestTexts('openai-responses', body, upper)).toEqual({
      model: 'm',
      instructions: 'BE KIND',
      input: [
        { role: 'user', content: 'HELLO' },
        { role: 'user', content: [{ type: 'input_text', text: 'PART' }, { type: 'input_image', image_url: 'https://x/y.png' }] },
        { type: 'function_call', call_id: 'c', name: 'f', arguments: '{"q":"ABC","n":[1,"X"]}' },
        { type: 'function_call_output', call_id: 'c', output: 'RESULT' },
      ],
      tools: [{ type: 'function', name: 'f', description: 'keep me' }],
    });
    expect(mapRequestTexts('openai-responses', { model: 'm', input: 'just text' }, upper)).toEqual({ model: 'm', input: 'JUST TEXT' });
  });

  it('embeddings: a string or strings; token arrays are left alone', () => {
    expect(mapRequestTexts('openai-embeddings', { model: 'm', input: 'one' }, upper)).toEqual({ model: 'm', input: 'ONE' });
    expect(mapRequestTexts('openai-embeddings', { model: 'm', input: ['a', 'b'] }, upper)).toEqual({ model: 'm', input: ['A', 'B'] });
    expect(mapRequestTexts('openai-embeddings', { model: 'm', input: [[1, 2]] }, upper)).toEqual({ model: 'm', input: [[1, 2]] });
  });

  it('Anthropic: a string system prompt, documents with text sources; signed thinking blocks are left alone', () => {
    const body = {
      model: 'm',
      system: 'sys',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'doc' } },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'aGk=' } },
          ],
        },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'secret thoughts', signature: 'sig' }, { type: 'text', text: 'ok' }] },
      ],
    };
    expect(mapRequestTexts('anthropic-messages', body, upper)).toEqual({
      model: 'm',
      system: 'SYS',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'DOC' } },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'aGk=' } },
          ],
        },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'secret thoughts', signature: 'sig' }, { type: 'text', text: 'OK' }] },
      ],
    });
  });

  it('returns the very same object when nothing changed, and never changes the input', () => {
    const body = { model: 'm', messages: [{ role: 'user', content: 'SAME' }] };
    const frozen = JSON.stringify(body);
    expect(mapRequestTexts('openai-chat', body, (t) => t)).toBe(body);
    mapRequestTexts('openai-chat', body, () => 'changed');
    expect(JSON.stringify(body)).toBe(frozen);
  });

  it('arguments that are not JSON are checked as text', () => {
    const body = { model: 'm', messages: [{ role: 'assistant', tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: 'not json' } }] }] };
    expect(mapRequestTexts('openai-chat', body, upper)).toEqual({ model: 'm', messages: [{ role: 'assistant', tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: 'NOT JSON' } }] }] });
  });
});
