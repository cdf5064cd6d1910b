import { mapAnthropicFinishReason } from './map-anthropic-finish-reason';

describe('mapAnthropicFinishReason', () => {
  const table: Array<[unknown, string]> = [
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['tool_use', 'tool_calls'],
    ['pause_turn', 'stop'],
    ['refusal', 'content_filter'],
    ['model_context_window_exceeded', 'length'],
    ['a_reason_added_later', 'stop'],
    [null, 'stop'],
    [undefined, 'stop'],
  ];
  test.each(table)('%j → %s', (stopReason, finishReason) => {
    expect(mapAnthropicFinishReason(stopReason)).toBe(finishReason);
  });
});
