import { parseClientRequest } from '../../api/client-request';
import { validateConfig } from '../../config/load';
import { compileConfig } from '../../config/runtime';
import type { RuntimeBackend } from '../../config/runtime';
import { OpenAIToOpenAI } from './openai-to-openai';
import { droppedReasoningWarning, markResponse, markStreamEvent, reasoningScope, scopeReasoningInput } from './responses-reasoning';

const CONFIG = compileConfig(
  validateConfig({
    backends: [
      { name: 'openai', kind: 'openai', baseUrl: 'https://api.openai.com/v1', credential: { env: 'KEY' } },
      { name: 'azure', kind: 'azure-openai', baseUrl: 'https://example.openai.azure.com', credential: { env: 'KEY' } },
    ],
    models: [{ name: 'o4-mini', backends: [{ backend: 'openai' }, { backend: 'azure' }] }],
    callers: [],
  }),
  { KEY: 'sk-test' },
);
const backend = (name: string): RuntimeBackend => CONFIG.backends.get(name) as RuntimeBackend;
const OPENAI = reasoningScope('openai');
const AZURE = reasoningScope('azure');

/** A stateless client's input after one turn on `scope`: its reasoning, two calls, their outputs. */
function turnOn(scope: string, seed: string): unknown[] {
  return [
    { id: `rs_${seed}`, type: 'reasoning', summary: [], encrypted_content: `aigw1:${scope}:gAAAA${seed}` },
    { id: `fc_${seed}1`, type: 'function_call', call_id: `call_${seed}1`, name: 'get_weather', arguments: '{}', status: 'completed' },
    { id: `fc_${seed}2`, type: 'function_call', call_id: `call_${seed}2`, name: 'get_time', arguments: '{}', status: 'completed' },
    { type: 'function_call_output', call_id: `call_${seed}1`, output: '18C' },
    { type: 'function_call_output', call_id: `call_${seed}2`, output: '10:00' },
  ];
}

describe('encrypted reasoning scoped to the backend that made it', () => {
  test('the scope is a digest, not the backend name', () => {
    expect(OPENAI).toMatch(/^[0-9a-f]{12}$/);
    expect(OPENAI).not.toBe(AZURE);
  });

  test("a backend gets its own content unmarked, another's left out with the ids of its calls", () => {
    const input = [{ role: 'user', content: 'Weather?' }, ...turnOn(OPENAI, 'A'), ...turnOn(AZURE, 'B')];
    const forAzure = scopeReasoningInput(input, AZURE);
    expect(forAzure.dropped).toBe(1);
    expect(forAzure.input).toEqual([
      { role: 'user', content: 'Weather?' },
      { type: 'function_call', call_id: 'call_A1', name: 'get_weather', arguments: '{}', status: 'completed' },
      { type: 'function_call', call_id: 'call_A2', name: 'get_time', arguments: '{}', status: 'completed' },
      { type: 'function_call_output', call_id: 'call_A1', output: '18C' },
      { type: 'function_call_output', call_id: 'call_A2', output: '10:00' },
      { id: 'rs_B', type: 'reasoning', summary: [], encrypted_content: 'gAAAAB' },
      ...turnOn(AZURE, 'B').slice(1),
    ]);
    expect(droppedReasoningWarning(1)).toBe('dropped 1 reasoning item: another backend made its encrypted_content, and only that backend can read it');
  });

  test('input without marked reasoning is the same value', () => {
    const input = [{ role: 'user', content: 'hi' }, { id: 'rs_1', type: 'reasoning', summary: [], encrypted_content: 'gAAAAunmarked' }];
    expect(scopeReasoningInput(input, OPENAI).input).toBe(input);
    expect(scopeReasoningInput('hi', OPENAI)).toEqual({ input: 'hi', dropped: 0 });
  });

  test('answers: reasoning items marked once, other items and events untouched', () => {
    const response = { output: [{ type: 'reasoning', encrypted_content: 'gAAAAx' }, { type: 'message', content: [] }] };
    expect(markResponse(response, OPENAI)).toBe(true);
    expect(response.output[0].encrypted_content).toBe(`aigw1:${OPENAI}:gAAAAx`);
    expect(markResponse(response, OPENAI)).toBe(false);
    expect(markStreamEvent('{"type":"response.output_text.delta","delta":"hi"}', OPENAI)).toBeUndefined();
    expect(markStreamEvent('{"type":"response.output_item.done","item":{"type":"reasoning","encrypted_content":"gAAAAy"}}', OPENAI)).toBe(
      `{"type":"response.output_item.done","item":{"type":"reasoning","encrypted_content":"aigw1:${OPENAI}:gAAAAy"}}`,
    );
  });
});

describe('OpenAIToOpenAI with include: reasoning.encrypted_content', () => {
  const body = (stream: boolean): Buffer =>
    Buffer.from(JSON.stringify({ model: 'o4-mini', stream, include: ['reasoning.encrypted_content'], store: false, input: [{ role: 'user', content: 'Weather?' }, ...turnOn(AZURE, 'B')] }));

  test('the request for another backend leaves the reasoning out and says so', () => {
    const translator = new OpenAIToOpenAI(parseClientRequest('openai-responses', body(false)), { backend: backend('openai') });
    const sent = JSON.parse(translator.requestBody().body.toString('utf8')) as { input: unknown[] };
    expect(sent.input).toHaveLength(5);
    expect(translator.warnings).toEqual([droppedReasoningWarning(1)]);
    expect(translator.responsePassesThrough).toBe(false);
  });

  test('a whole answer comes back marked, usage read', () => {
    const translator = new OpenAIToOpenAI(parseClientRequest('openai-responses', body(false)), { backend: backend('azure') });
    const answer = { id: 'resp_1', object: 'response', status: 'completed', output: [{ id: 'rs_2', type: 'reasoning', summary: [], encrypted_content: 'gAAAAz' }], usage: { input_tokens: 5, output_tokens: 7, total_tokens: 12 } };
    const bytes = Buffer.from(JSON.stringify(answer));
    expect(translator.responseBody(bytes.subarray(0, 10), false)).toEqual(Buffer.alloc(0));
    const out = translator.responseBody(bytes.subarray(10), true);
    expect(JSON.parse(out?.toString('utf8') ?? '')).toEqual({ ...answer, output: [{ ...answer.output[0], encrypted_content: `aigw1:${AZURE}:gAAAAz` }] });
    expect(translator.usage()).toMatchObject({ inputTokens: 5, outputTokens: 7 });
  });

  test('a stream split at every byte offset comes back with each reasoning item marked exactly once', () => {
    const events = [
      'event: response.output_item.done\ndata: {"type":"response.output_item.done","output_index":0,"item":{"id":"rs_3","type":"reasoning","summary":[],"encrypted_content":"gAAAAé"}}\n\n',
      'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"Sunny 🌞"}\n\n',
      'event: response.completed\ndata: {"type":"response.completed","response":{"id":"resp_3","output":[{"id":"rs_3","type":"reasoning","summary":[],"encrypted_content":"gAAAAé"}],"usage":{"input_tokens":3,"output_tokens":4,"total_tokens":7}}}\n\n',
    ];
    const stream = Buffer.from(events.join(''));
    const expected = events.join('').replaceAll('"gAAAAé"', `"aigw1:${AZURE}:gAAAAé"`);
    for (let split = 0; split <= stream.length; split++) {
      const translator = new OpenAIToOpenAI(parseClientRequest('openai-responses', body(true)), { backend: backend('azure') });
      const out = Buffer.concat([translator.responseBody(stream.subarray(0, split), false) ?? Buffer.alloc(0), translator.responseBody(stream.subarray(split), true) ?? Buffer.alloc(0)]);
      expect(out.toString('utf8')).toBe(expected);
      expect(translator.usage()).toMatchObject({ inputTokens: 3, outputTokens: 4 });
    }
  });
});
