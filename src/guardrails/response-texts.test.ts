import { mapResponseTexts } from './response-texts';

/** Marks every text it sees; redacts an address (as a redacting check would). */
const check = (text: string): string => text.replace(/\S+@\S+\.[a-z]+/g, '[EMAIL]');

describe('mapResponseTexts', () => {
  it('OpenAI chat: content, refusal, reasoning_content, reasoning, audio transcript and tool arguments (escapes decoded)', () => {
    const body = {
      id: 'c',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'to a@b.io',
            refusal: 'not c@d.io',
            reasoning_content: 'think e@f.io',
            reasoning: 'also g@h.io',
            audio: { id: 'au', data: 'AAAA', transcript: 'say i@j.io' },
            tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{"to":"k\\u0040l.io","n":1}' } }],
          },
          finish_reason: 'stop',
        },
      ],
    };
    expect(mapResponseTexts('openai-chat', body, check)).toEqual({
      id: 'c',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'to [EMAIL]',
            refusal: 'not [EMAIL]',
            reasoning_content: 'think [EMAIL]',
            reasoning: 'also [EMAIL]',
            audio: { id: 'au', data: 'AAAA', transcript: 'say [EMAIL]' },
            tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{"to":"[EMAIL]","n":1}' } }],
          },
          finish_reason: 'stop',
        },
      ],
    });
  });

  it('Anthropic: text and cited text, thinking (a changed signed block loses its signature; an unchanged one keeps it), tool input, tool results', () => {
    const body = {
      content: [
        { type: 'thinking', thinking: 'mail a@b.io', signature: 'sig-1' },
        { type: 'thinking', thinking: 'nothing', signature: 'sig-2' },
        { type: 'redacted_thinking', data: 'opaque a@b.io' },
        { type: 'text', text: 'see c@d.io', citations: [{ type: 'char_location', cited_text: 'from e@f.io', document_index: 0 }] },
        { type: 'tool_use', id: 't', name: 'f', input: { to: ['g@h.io'], 'q@r.io': 1 } },
        { type: 'web_fetch_tool_result', tool_use_id: 's', content: [{ type: 'text', text: 'i@j.io' }] },
      ],
    };
    expect(mapResponseTexts('anthropic-messages', body, check)).toEqual({
      content: [
        { type: 'thinking', thinking: 'mail [EMAIL]', signature: '' },
        { type: 'thinking', thinking: 'nothing', signature: 'sig-2' },
        { type: 'redacted_thinking', data: 'opaque a@b.io' },
        { type: 'text', text: 'see [EMAIL]', citations: [{ type: 'char_location', cited_text: 'from [EMAIL]', document_index: 0 }] },
        { type: 'tool_use', id: 't', name: 'f', input: { to: ['[EMAIL]'], '[EMAIL]': 1 } },
        { type: 'web_fetch_tool_result', tool_use_id: 's', content: [{ type: 'text', text: '[EMAIL]' }] },
      ],
    });
  });

  it('Responses: message text and refusal, reasoning summary and text, function and MCP calls, custom tool input', () => {
    const body = {
      output: [
        { id: 'r', type: 'reasoning', summary: [{ type: 'summary_text', text: 'a@b.io' }], content: [{ type: 'reasoning_text', text: 'c@d.io' }], encrypted_content: 'x@y.io' },
        { id: 'm', type: 'message', content: [{ type: 'output_text', text: 'e@f.io', annotations: [] }, { type: 'refusal', refusal: 'g@h.io' }] },
        { id: 'f', type: 'function_call', arguments: '{"to":"i\\u0040j.io"}' },
        { id: 'p', type: 'mcp_call', arguments: '{"q":"k@l.io"}', output: 'm@n.io' },
        { id: 'u', type: 'custom_tool_call', input: 'o@p.io' },
      ],
    };
    expect(mapResponseTexts('openai-responses', body, check)).toEqual({
      output: [
        { id: 'r', type: 'reasoning', summary: [{ type: 'summary_text', text: '[EMAIL]' }], content: [{ type: 'reasoning_text', text: '[EMAIL]' }], encrypted_content: 'x@y.io' },
        { id: 'm', type: 'message', content: [{ type: 'output_text', text: '[EMAIL]', annotations: [] }, { type: 'refusal', refusal: '[EMAIL]' }] },
        { id: 'f', type: 'function_call', arguments: '{"to":"[EMAIL]"}' },
        { id: 'p', type: 'mcp_call', arguments: '{"q":"[EMAIL]"}', output: '[EMAIL]' },
        { id: 'u', type: 'custom_tool_call', input: '[EMAIL]' },
      ],
    });
  });

  it('returns an unchanged body as it is', () => {
    const body = { choices: [{ index: 0, message: { role: 'assistant', content: 'plain', tool_calls: [{ function: { arguments: '{"a":"caf\\u00e9"}' } }] } }] };
    expect(mapResponseTexts('openai-chat', body, check)).toBe(body);
  });
});
