import { convertAnthropicRequestToBedrock } from '../bedrock/convert-anthropic-request-to-bedrock';
import { convertToBedrockRequest } from '../bedrock/convert-to-bedrock-request';
import { THINKING_NEEDS_SIGNED_TURN_WARNING, asksForThinking, continuedAssistantMessage, thinkingCannotContinue } from './thinking-continuation';

const CLAUDE = 'anthropic.claude-sonnet-4-20250514-v1:0';
const call = { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } };
const result = { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '18C' }] };
const signed = { type: 'thinking', thinking: 'Look it up.', signature: 'c2lnbmVk' };
const unsigned = { type: 'thinking', thinking: 'Look it up.', signature: '' };

/** A tool loop: the request continues the assistant turn that made the call. */
function loop(assistantContent: unknown[]): unknown[] {
  return [{ role: 'user', content: 'Weather in Paris?' }, { role: 'assistant', content: assistantContent }, result];
}

describe('the assistant turn a Messages history continues', () => {
  it('is the last assistant message when only tool results follow it', () => {
    const messages = loop([call]);
    expect(continuedAssistantMessage(messages)).toBe(messages[1]);
  });

  it('is the last message when it is a prefill', () => {
    const messages = [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Well,' }];
    expect(continuedAssistantMessage(messages)).toBe(messages[1]);
  });

  it('is none when the client wrote a new user message', () => {
    expect(continuedAssistantMessage([...loop([call]), { role: 'assistant', content: 'Sunny.' }, { role: 'user', content: 'And Rome?' }])).toBeUndefined();
    expect(continuedAssistantMessage([{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }])).toBeUndefined();
    expect(continuedAssistantMessage('not a list')).toBeUndefined();
  });
});

describe('thinkingCannotContinue (Claude: a final assistant message must start with a thinking block)', () => {
  it('is true for a continued turn another provider wrote (no thinking block first)', () => {
    expect(thinkingCannotContinue(loop([call]))).toBe(true);
    expect(thinkingCannotContinue(loop([{ type: 'text', text: 'Checking.' }, signed, call]))).toBe(true);
  });

  it('is false when the continued turn starts with thinking or redacted thinking, or nothing is continued', () => {
    expect(thinkingCannotContinue(loop([signed, call]))).toBe(false);
    expect(thinkingCannotContinue(loop([{ type: 'redacted_thinking', data: 'ZW5j' }, call]))).toBe(false);
    expect(thinkingCannotContinue([{ role: 'user', content: 'Hi' }])).toBe(false);
  });

  it('asksForThinking: enabled and adaptive ask, disabled and absent do not', () => {
    expect([{ type: 'enabled', budget_tokens: 1024 }, { type: 'adaptive' }, { type: 'disabled' }, undefined].map(asksForThinking)).toEqual([true, true, false, false]);
  });
});

describe('Anthropic client → Bedrock Converse (Claude) with thinking on', () => {
  const thinking = { type: 'enabled', budget_tokens: 2048 };

  it('drops thinking, with a warning, when the continued turn lost its unsigned thinking block', () => {
    const converted = convertAnthropicRequestToBedrock({ model: CLAUDE, max_tokens: 4096, thinking, messages: loop([unsigned, call]) }, { modelId: CLAUDE, backendName: 'bedrock' });
    expect(converted.body.additionalModelRequestFields).toBeUndefined();
    expect(converted.warnings).toEqual(['dropped thinking blocks without a signature: Claude rejects them (they came from another provider)', THINKING_NEEDS_SIGNED_TURN_WARNING]);
  });

  it('keeps thinking when the continued turn starts with its signed block', () => {
    const converted = convertAnthropicRequestToBedrock({ model: CLAUDE, max_tokens: 4096, thinking, messages: loop([signed, call]) }, { modelId: CLAUDE, backendName: 'bedrock' });
    expect(converted.body.additionalModelRequestFields).toEqual({ thinking });
    expect(converted.body.messages[1].content[0]).toEqual({ reasoningContent: { reasoningText: { text: 'Look it up.', signature: 'c2lnbmVk' } } });
    expect(converted.warnings).toEqual([]);
  });
});

describe('OpenAI client → Bedrock Converse (Claude) with reasoning_effort', () => {
  const history = [
    { role: 'user', content: 'Weather in Paris?' },
    { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
    { role: 'tool', tool_call_id: 'call_1', content: '18C' },
  ];

  it('drops the thinking budget in a tool loop: OpenAI clients never send the signed block back', () => {
    const converted = convertToBedrockRequest({ model: CLAUDE, reasoning_effort: 'low', messages: history }, { modelId: CLAUDE, backendName: 'bedrock' });
    expect(converted.body.additionalModelRequestFields).toBeUndefined();
    expect(converted.warnings).toEqual(['dropped reasoning_effort: claude needs the signed thinking block of the turn being continued']);
  });

  it('keeps it for a new user turn', () => {
    const converted = convertToBedrockRequest({ model: CLAUDE, reasoning_effort: 'low', messages: [...history, { role: 'assistant', content: 'Sunny.' }, { role: 'user', content: 'And Rome?' }] }, { modelId: CLAUDE, backendName: 'bedrock' });
    expect(converted.body.additionalModelRequestFields).toEqual({ thinking: { type: 'enabled', budget_tokens: 1024 } });
    expect(converted.warnings).toEqual([]);
  });
});
