import { countTextTokens } from './estimate';
import { OutputMeter, generatedText } from './output-meter';

const sse = (...events: unknown[]): Buffer => Buffer.from(events.map((event) => `data: ${typeof event === 'string' ? event : JSON.stringify(event)}\n\n`).join(''));

describe('output seen in a stream', () => {
  test('generated text in each client API: answer text, tool arguments, streamed reasoning', () => {
    expect(generatedText('openai-chat', { choices: [{ delta: { content: 'Hi', tool_calls: [{ function: { arguments: '{"a":' } }] } }] })).toBe('Hi{"a":');
    expect(generatedText('openai-chat', { choices: [], usage: { total_tokens: 3 } })).toBe('');
    expect(generatedText('anthropic-messages', { type: 'content_block_delta', delta: { type: 'thinking_delta', thinking: 'hmm' } })).toBe('hmm');
    expect(generatedText('anthropic-messages', { type: 'content_block_delta', delta: { type: 'input_json_delta', partial_json: '{"q"' } })).toBe('{"q"');
    expect(generatedText('anthropic-messages', { type: 'message_delta', delta: { stop_reason: 'end_turn' } })).toBe('');
    expect(generatedText('openai-responses', { type: 'response.output_text.delta', delta: 'Yes' })).toBe('Yes');
    expect(generatedText('openai-responses', { type: 'response.completed', response: {} })).toBe('');
  });

  test('counts o200k tokens per event, whatever the chunk boundaries, up to the output cap', () => {
    const words = ['The', ' quick', ' brown', ' fox'];
    const stream = sse(...words.map((word) => ({ choices: [{ index: 0, delta: { content: word } }] })), '[DONE]');
    const expected = words.reduce((sum, word) => sum + countTextTokens(word), 0);
    for (let split = 0; split <= stream.length; split += 7) {
      const meter = new OutputMeter('openai-chat', 100);
      meter.push(stream.subarray(0, split));
      meter.push(stream.subarray(split));
      expect(meter.value).toBe(expected);
    }
    const capped = new OutputMeter('openai-chat', 2);
    capped.push(stream);
    expect(capped.value).toBe(2);
  });

  test('events that are not JSON carry no text', () => {
    const meter = new OutputMeter('anthropic-messages', 100);
    meter.push(Buffer.from('event: ping\ndata: {not json\n\n: comment\n\n'));
    expect(meter.value).toBe(0);
  });
});
