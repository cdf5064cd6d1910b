import { inputMessages, openInferenceAttributes } from './openinference';

const USAGE = { inputTokens: 12, outputTokens: 5, cachedInputTokens: 2, cacheCreationInputTokens: 1, reasoningTokens: 3, totalTokens: 17 };

describe('OpenInference attributes', () => {
  test('always: span kind, model, provider and token counts; no content without capture', () => {
    expect(openInferenceAttributes({ api: 'openai-chat', model: 'gpt-4o', responseModel: 'gpt-4o-2024-08-06', backendKind: 'azure-openai', usage: USAGE })).toEqual({
      'openinference.span.kind': 'LLM',
      'llm.model_name': 'gpt-4o-2024-08-06',
      'llm.provider': 'azure',
      'llm.token_count.prompt': 12,
      'llm.token_count.completion': 5,
      'llm.token_count.total': 17,
      'llm.token_count.prompt_details.cache_read': 2,
      'llm.token_count.prompt_details.cache_write': 1,
      'llm.token_count.completion_details.reasoning': 3,
    });
    expect(openInferenceAttributes({ api: 'openai-embeddings', model: 'text-embedding-3-small', backendKind: 'bedrock' })).toEqual({
      'openinference.span.kind': 'EMBEDDING',
      'embedding.model_name': 'text-embedding-3-small',
      'llm.provider': 'aws',
    });
  });

  test('with capture: input and output messages, the request as input.value, invocation parameters and tools', () => {
    const body = {
      model: 'claude-x',
      max_tokens: 20,
      temperature: 0.5,
      system: [{ type: 'text', text: 'Be brief.' }],
      tools: [{ name: 'get_weather', input_schema: { type: 'object' } }],
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'get_weather', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: '18C' }] }] },
      ],
    };
    expect(openInferenceAttributes({ api: 'anthropic-messages', body, model: 'claude-x', backendKind: 'anthropic', completion: 'Sunny, 18C.' })).toEqual({
      'openinference.span.kind': 'LLM',
      'llm.model_name': 'claude-x',
      'llm.provider': 'anthropic',
      'input.value': JSON.stringify(body),
      'input.mime_type': 'application/json',
      'llm.input_messages.0.message.role': 'system',
      'llm.input_messages.0.message.content': 'Be brief.',
      'llm.input_messages.1.message.role': 'user',
      'llm.input_messages.1.message.content': 'Weather?',
      'llm.input_messages.2.message.role': 'assistant',
      'llm.input_messages.2.message.content': '',
      'llm.input_messages.3.message.role': 'user',
      'llm.input_messages.3.message.content': '18C',
      'llm.invocation_parameters': '{"max_tokens":20,"temperature":0.5}',
      'llm.tools.0.tool.json_schema': '{"name":"get_weather","input_schema":{"type":"object"}}',
      'output.value': 'Sunny, 18C.',
      'output.mime_type': 'text/plain',
      'llm.output_messages.0.message.role': 'assistant',
      'llm.output_messages.0.message.content': 'Sunny, 18C.',
    });
  });

  test('input messages per client API', () => {
    expect(inputMessages('openai-responses', { instructions: 'Be brief.', input: [{ role: 'user', content: [{ type: 'input_text', text: 'Hi' }] }, { type: 'function_call_output', call_id: 'c', output: 'x' }] })).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
    ]);
    expect(inputMessages('openai-responses', { input: 'Hello' })).toEqual([{ role: 'user', content: 'Hello' }]);
    expect(inputMessages('openai-completions', { prompt: ['a', 'b'] })).toEqual([
      { role: 'user', content: 'a' },
      { role: 'user', content: 'b' },
    ]);
    expect(inputMessages('openai-chat', { messages: [{ role: 'developer', content: [{ type: 'text', text: 'Rules' }] }] })).toEqual([{ role: 'developer', content: 'Rules' }]);
    expect(inputMessages('openai-embeddings', { input: 'x' })).toEqual([]);
  });
});
