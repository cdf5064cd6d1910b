import { mapRequestTexts } from './request-texts';

/** Replaces the word "secret" wherever a text carries it, so structure left alone stays visible. */
const hide = (text: string): string => text.replace(/secret/g, 'HIDDEN');
const upper = (text: string): string => text.toUpperCase();

describe('mapRequestTexts: OpenAI chat', () => {
  test('user, metadata values, prediction, message name, refusal, reasoning, tool and function descriptions, JSON schema text', () => {
    const body = {
      model: 'secret-model',
      user: 'secret user',
      metadata: { note: 'secret note', secret: 'x' },
      prediction: { type: 'content', content: [{ type: 'text', text: 'secret prediction' }] },
      messages: [
        { role: 'system', name: 'secret name', content: 'secret system' },
        { role: 'assistant', content: null, refusal: 'secret refusal', reasoning_content: 'secret thoughts', tool_calls: [{ id: 'call_secret', type: 'function', function: { name: 'secret_fn', arguments: '{"q":"secret"}' } }] },
        { role: 'tool', tool_call_id: 'call_secret', content: 'secret result' },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'secret_fn',
            description: 'secret description',
            parameters: { type: 'object', properties: { q: { type: 'string', description: 'secret parameter', enum: ['secret'] } } },
          },
        },
      ],
      functions: [{ name: 'secret_fn', description: 'secret legacy' }],
      tool_choice: { type: 'function', function: { name: 'secret_fn' } },
      response_format: { type: 'json_schema', json_schema: { name: 'secret_schema', description: 'secret format', schema: { title: 'secret title' } } },
      stop: ['secret stop'],
    };
    expect(mapRequestTexts('openai-chat', body, hide)).toEqual({
      model: 'secret-model',
      user: 'HIDDEN user',
      metadata: { note: 'HIDDEN note', HIDDEN: 'x' },
      prediction: { type: 'content', content: [{ type: 'text', text: 'HIDDEN prediction' }] },
      messages: [
        { role: 'system', name: 'HIDDEN name', content: 'HIDDEN system' },
        { role: 'assistant', content: null, refusal: 'HIDDEN refusal', reasoning_content: 'HIDDEN thoughts', tool_calls: [{ id: 'call_secret', type: 'function', function: { name: 'secret_fn', arguments: '{"q":"HIDDEN"}' } }] },
        { role: 'tool', tool_call_id: 'call_secret', content: 'HIDDEN result' },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'secret_fn',
            description: 'HIDDEN description',
            parameters: { type: 'object', properties: { q: { type: 'string', description: 'HIDDEN parameter', enum: ['HIDDEN'] } } },
          },
        },
      ],
      functions: [{ name: 'secret_fn', description: 'HIDDEN legacy' }],
      tool_choice: { type: 'function', function: { name: 'secret_fn' } },
      response_format: { type: 'json_schema', json_schema: { name: 'secret_schema', description: 'HIDDEN format', schema: { title: 'HIDDEN title' } } },
      stop: ['HIDDEN stop'],
    });
  });

  test('JSON-escaped text in a tool result is read decoded; a data: URL and base64 audio are not text, an https URL is', () => {
    const body = {
      model: 'm',
      messages: [
        { role: 'tool', tool_call_id: 't', content: '{"owner":"s\\u0065cret","n":1}' },
        {
          role: 'user',
          content: [
            { type: 'image_url', image_url: { url: 'data:image/png;base64,secret', detail: 'high' } },
            { type: 'image_url', image_url: { url: 'https://x.test/secret.png' } },
            { type: 'input_audio', input_audio: { data: 'secret', format: 'wav' } },
            { type: 'file', file: { file_data: 'data:application/pdf;base64,secret', filename: 'secret.pdf' } },
          ],
        },
      ],
    };
    expect(mapRequestTexts('openai-chat', body, hide)).toEqual({
      model: 'm',
      messages: [
        { role: 'tool', tool_call_id: 't', content: '{"owner":"HIDDEN","n":1}' },
        {
          role: 'user',
          content: [
            { type: 'image_url', image_url: { url: 'data:image/png;base64,secret', detail: 'high' } },
            { type: 'image_url', image_url: { url: 'https://x.test/HIDDEN.png' } },
            { type: 'input_audio', input_audio: { data: 'secret', format: 'wav' } },
            { type: 'file', file: { file_data: 'data:application/pdf;base64,secret', filename: 'HIDDEN.pdf' } },
          ],
        },
      ],
    });
  });

  test('a field no API lists yet is text, at any depth, keys of data included', () => {
    const body = { model: 'm', messages: [{ role: 'user', content: 'hi', brand_new: { deep: ['secret'] } }], future_field: 'secret', extra: { secret: { list: [1, 'secret'] } } };
    expect(mapRequestTexts('openai-chat', body, hide)).toEqual({
      model: 'm',
      messages: [{ role: 'user', content: 'hi', brand_new: { deep: ['HIDDEN'] } }],
      future_field: 'HIDDEN',
      extra: { HIDDEN: { list: [1, 'HIDDEN'] } },
    });
  });

  test('returns the very same object when nothing changed, and never changes the input', () => {
    const body = { model: 'm', messages: [{ role: 'user', content: 'SAME', name: 'x' }], tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }] };
    const frozen = JSON.stringify(body);
    expect(mapRequestTexts('openai-chat', body, (t) => t)).toBe(body);
    mapRequestTexts('openai-chat', body, () => 'changed');
    expect(JSON.stringify(body)).toBe(frozen);
  });

  test('arguments that are not JSON are checked as text; numbers in JSON text are checked in place', () => {
    const digits = (text: string): string => text.replace(/4111111111111111/g, '[CARD]');
    const body = {
      model: 'm',
      messages: [
        { role: 'assistant', tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: 'not json' } }] },
        { role: 'tool', tool_call_id: 't', content: '{"card": 4111111111111111, "note": "ok"}' },
      ],
    };
    expect(mapRequestTexts('openai-chat', body, upper).messages).toEqual([
      { role: 'assistant', tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: 'NOT JSON' } }] },
      { role: 'tool', tool_call_id: 't', content: '{"CARD":4111111111111111,"NOTE":"OK"}' },
    ]);
    expect((mapRequestTexts('openai-chat', body, digits).messages as unknown[])[1]).toEqual({ role: 'tool', tool_call_id: 't', content: '{"card": [CARD], "note": "ok"}' });
  });
});

describe('mapRequestTexts: Anthropic Messages', () => {
  test('search results (also inside tool results), content and text documents, titles and context, metadata.user_id, tools, system blocks', () => {
    const searchResult = { type: 'search_result', source: 'https://x.test/secret', title: 'secret title', content: [{ type: 'text', text: 'secret found' }], citations: { enabled: true } };
    const body = {
      model: 'm',
      max_tokens: 5,
      metadata: { user_id: 'secret user' },
      system: [{ type: 'text', text: 'secret system', cache_control: { type: 'ephemeral' } }],
      tools: [{ name: 'secret_tool', description: 'secret description', input_schema: { type: 'object', properties: { a: { description: 'secret a' } } } }],
      messages: [
        {
          role: 'user',
          content: [
            searchResult,
            { type: 'tool_result', tool_use_id: 'toolu_secret', content: [searchResult] },
            { type: 'document', source: { type: 'content', content: [{ type: 'text', text: 'secret chunk' }] }, title: 'secret doc', context: 'secret context' },
            { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'secret text' } },
            { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'secret' } },
            { type: 'image', source: { type: 'url', url: 'https://x.test/secret.png' } },
          ],
        },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_secret', name: 'secret_tool', input: { secret: 'secret' } }, { type: 'redacted_thinking', data: 'secret' }] },
      ],
    };
    const hiddenResult = { type: 'search_result', source: 'https://x.test/HIDDEN', title: 'HIDDEN title', content: [{ type: 'text', text: 'HIDDEN found' }], citations: { enabled: true } };
    expect(mapRequestTexts('anthropic-messages', body, hide)).toEqual({
      model: 'm',
      max_tokens: 5,
      metadata: { user_id: 'HIDDEN user' },
      system: [{ type: 'text', text: 'HIDDEN system', cache_control: { type: 'ephemeral' } }],
      tools: [{ name: 'secret_tool', description: 'HIDDEN description', input_schema: { type: 'object', properties: { a: { description: 'HIDDEN a' } } } }],
      messages: [
        {
          role: 'user',
          content: [
            hiddenResult,
            { type: 'tool_result', tool_use_id: 'toolu_secret', content: [hiddenResult] },
            { type: 'document', source: { type: 'content', content: [{ type: 'text', text: 'HIDDEN chunk' }] }, title: 'HIDDEN doc', context: 'HIDDEN context' },
            { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'HIDDEN text' } },
            { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'secret' } },
            { type: 'image', source: { type: 'url', url: 'https://x.test/HIDDEN.png' } },
          ],
        },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_secret', name: 'secret_tool', input: { HIDDEN: 'HIDDEN' } }, { type: 'redacted_thinking', data: 'secret' }] },
      ],
    });
  });

  test('a signed thinking block is kept byte for byte, or left out when a rule would change its text', () => {
    const thinking = { type: 'thinking', thinking: 'plain thoughts', signature: 'sig' };
    const body = { model: 'm', messages: [{ role: 'assistant', content: [thinking, { type: 'text', text: 'ok' }] }] };
    expect(mapRequestTexts('anthropic-messages', body, hide)).toBe(body);
    const secret = { ...thinking, thinking: 'secret thoughts' };
    expect(mapRequestTexts('anthropic-messages', { ...body, messages: [{ role: 'assistant', content: [secret, { type: 'text', text: 'ok' }] }] }, hide).messages).toEqual([
      { role: 'assistant', content: [{ type: 'text', text: 'ok' }] },
    ]);
  });
});

describe('mapRequestTexts: Responses API and embeddings', () => {
  test('instructions, prompt variables, tool descriptions, items and their outputs, reasoning summaries; ids and encrypted content are structure', () => {
    const body = {
      model: 'm',
      instructions: 'secret rules',
      prompt: { id: 'pmpt_secret', version: '2', variables: { who: 'secret person', doc: { type: 'input_text', text: 'secret doc' } } },
      previous_response_id: 'resp_secret',
      tools: [{ type: 'function', name: 'secret_fn', description: 'secret description', parameters: { properties: { a: { description: 'secret a' } } } }],
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'secret part' }, { type: 'input_image', image_url: 'data:image/png;base64,secret', detail: 'auto' }] },
        { type: 'function_call', id: 'fc_secret', call_id: 'call_secret', name: 'secret_fn', arguments: '{"a":"secret"}' },
        { type: 'function_call_output', call_id: 'call_secret', output: '{"b":"secret"}' },
        { type: 'reasoning', id: 'rs_secret', encrypted_content: 'secret', summary: [{ type: 'summary_text', text: 'secret summary' }] },
      ],
    };
    expect(mapRequestTexts('openai-responses', body, hide)).toEqual({
      model: 'm',
      instructions: 'HIDDEN rules',
      prompt: { id: 'pmpt_secret', version: '2', variables: { who: 'HIDDEN person', doc: { type: 'input_text', text: 'HIDDEN doc' } } },
      previous_response_id: 'resp_secret',
      tools: [{ type: 'function', name: 'secret_fn', description: 'HIDDEN description', parameters: { properties: { a: { description: 'HIDDEN a' } } } }],
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'HIDDEN part' }, { type: 'input_image', image_url: 'data:image/png;base64,secret', detail: 'auto' }] },
        { type: 'function_call', id: 'fc_secret', call_id: 'call_secret', name: 'secret_fn', arguments: '{"a":"HIDDEN"}' },
        { type: 'function_call_output', call_id: 'call_secret', output: '{"b":"HIDDEN"}' },
        { type: 'reasoning', id: 'rs_secret', encrypted_content: 'secret', summary: [{ type: 'summary_text', text: 'HIDDEN summary' }] },
      ],
    });
    expect(mapRequestTexts('openai-responses', { model: 'm', input: 'secret text' }, hide)).toEqual({ model: 'm', input: 'HIDDEN text' });
  });

  test('embeddings: a string or strings and the user; token arrays carry no text', () => {
    expect(mapRequestTexts('openai-embeddings', { model: 'm', input: 'secret', user: 'secret', encoding_format: 'float' }, hide)).toEqual({ model: 'm', input: 'HIDDEN', user: 'HIDDEN', encoding_format: 'float' });
    expect(mapRequestTexts('openai-embeddings', { model: 'm', input: ['a', 'secret'] }, hide)).toEqual({ model: 'm', input: ['a', 'HIDDEN'] });
    expect(mapRequestTexts('openai-embeddings', { model: 'm', input: [[1, 2]] }, hide)).toEqual({ model: 'm', input: [[1, 2]] });
  });
});
