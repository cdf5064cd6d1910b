import { DUMMY_THOUGHT_SIGNATURE } from '../providers/gemini/gemini-thought-signatures';
import { anthropicReasoningViolation, converseReasoningViolation } from './reasoning-checks';
import { fakeThinkingSignature, fakeThoughtSignature, isFakeThoughtSignature } from './signatures';
import { geminiTurnViolation, openAIChatViolation } from './turn-checks';

const RULE =
  'When `thinking` is enabled, a final `assistant` message must start with a thinking block (preceeding the lastmost set of `tool_use` and `tool_result` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable `thinking`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking';
const THINKING = { type: 'enabled', budget_tokens: 1024 };
const call = { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} };
const signed = { type: 'thinking', thinking: 'Look it up.', signature: fakeThinkingSignature('Look it up.') };

function loop(assistant: unknown[]): unknown[] {
  return [{ role: 'user', content: 'Weather?' }, { role: 'assistant', content: assistant }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '3C' }] }];
}

describe("the fake Claude's reasoning rules", () => {
  it('refuses thinking on a continued turn that does not start with thinking', () => {
    expect(anthropicReasoningViolation({ thinking: THINKING, messages: loop([call]) })).toBe(`messages.1.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`tool_use\`. ${RULE}`);
    expect(anthropicReasoningViolation({ messages: loop([call]) })).toBeUndefined();
    expect(anthropicReasoningViolation({ thinking: THINKING, messages: loop([signed, call]) })).toBeUndefined();
    expect(anthropicReasoningViolation({ thinking: THINKING, messages: [...loop([call]), { role: 'assistant', content: 'Sunny' }, { role: 'user', content: 'More?' }] })).toBeUndefined();
  });

  it('refuses thinking blocks without a signature, with a signature it did not make, or not first', () => {
    expect(anthropicReasoningViolation({ messages: loop([{ ...signed, signature: '' }, call]) })).toBe('messages.1.content.0.thinking.signature: Field required');
    expect(anthropicReasoningViolation({ messages: loop([{ ...signed, signature: fakeThinkingSignature('other') }, call]) })).toBe('messages.1.content.0: Invalid `signature` in `thinking` block');
    expect(anthropicReasoningViolation({ messages: loop([{ type: 'text', text: 'Hm.' }, signed, call]) })).toBe(
      'messages.1.content.0: If an assistant message contains any thinking blocks, the first block must be thinking or redacted_thinking. Found text.',
    );
  });

  it('Converse: the same rules for Claude, in the text Bedrock relays; none for other models', () => {
    const messages = [
      { role: 'user', content: [{ text: 'Weather?' }] },
      { role: 'assistant', content: [{ toolUse: { toolUseId: 't1', name: 'get_weather', input: {} } }] },
      { role: 'user', content: [{ toolResult: { toolUseId: 't1', content: [{ text: '3C' }] } }] },
    ];
    const body = { messages, additionalModelRequestFields: { thinking: THINKING } };
    expect(converseReasoningViolation(body, 'anthropic.claude-sonnet-4-20250514-v1:0')).toBe(
      `The model returned the following errors: messages.1.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`tool_use\`. ${RULE}`,
    );
    expect(converseReasoningViolation(body, 'amazon.nova-pro-v1:0')).toBeUndefined();
    const reasoning = { reasoningContent: { reasoningText: { text: 'Look it up.', signature: fakeThinkingSignature('Look it up.') } } };
    expect(converseReasoningViolation({ ...body, messages: [messages[0], { role: 'assistant', content: [reasoning, ...messages[1].content] }, messages[2]] }, 'us.anthropic.claude-sonnet-4-20250514-v1:0')).toBeUndefined();
  });
});

describe("the fake Gemini's turn rules", () => {
  const model = (parts: unknown[]): unknown => ({ role: 'model', parts });
  const fcall = (name: string, thoughtSignature?: string): unknown => ({ functionCall: { name, args: {} }, ...(thoughtSignature ? { thoughtSignature } : {}) });
  const responses = (count: number): unknown => ({ role: 'user', parts: Array.from({ length: count }, () => ({ functionResponse: { name: 'f', response: {} } })) });
  const user = { role: 'user', parts: [{ text: 'Go' }] };

  it('counts function responses against the calls before them', () => {
    expect(geminiTurnViolation({ contents: [user, model([fcall('f'), fcall('f')]), responses(1)] }, 'gemini-2.5-flash', 'gemini')).toBe(
      'Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.',
    );
    expect(geminiTurnViolation({ contents: [user, model([fcall('f'), fcall('f')]), responses(2)] }, 'gemini-2.5-flash', 'gemini')).toBeUndefined();
  });

  it("Gemini 3: the current turn's first call of each step needs this endpoint's signature or the dummy", () => {
    const mine = fakeThoughtSignature('gemini', 'a');
    const contents = (signature?: string): unknown[] => [user, model([fcall('f', signature), fcall('g')]), responses(2)];
    expect(geminiTurnViolation({ contents: contents() }, 'gemini-3-pro-preview', 'gemini')).toMatch(/^Function call is missing a thought_signature in functionCall parts\..*`default_api:f` , position 2\./);
    expect(geminiTurnViolation({ contents: contents(mine) }, 'gemini-3-pro-preview', 'gemini')).toBeUndefined();
    expect(geminiTurnViolation({ contents: contents(DUMMY_THOUGHT_SIGNATURE) }, 'gemini-3-pro-preview', 'vertex')).toBeUndefined();
    expect(geminiTurnViolation({ contents: contents(mine) }, 'gemini-3-pro-preview', 'vertex')).toBe('Corrupted thought signature. Function call `default_api:f`, position 2.');
    // Earlier turns are not checked, nor Gemini 2.5.
    expect(geminiTurnViolation({ contents: [...contents(), { role: 'model', parts: [{ text: 'Done' }] }, user] }, 'gemini-3-pro-preview', 'gemini')).toBeUndefined();
    expect(geminiTurnViolation({ contents: contents() }, 'gemini-2.5-pro', 'gemini')).toBeUndefined();
    expect([isFakeThoughtSignature('gemini', mine), isFakeThoughtSignature('vertex', mine), isFakeThoughtSignature('gemini', 'c2ln')]).toEqual([true, false, false]);
  });
});

describe("the fake OpenAI's tool-message rules", () => {
  const assistant = (...ids: string[]): unknown => ({ role: 'assistant', content: null, tool_calls: ids.map((id) => ({ id, type: 'function', function: { name: 'f', arguments: '{}' } })) });
  const tool = (id: string): unknown => ({ role: 'tool', tool_call_id: id, content: 'ok' });
  const user = { role: 'user', content: 'Go' };

  it('accepts answered calls, and a last assistant turn still waiting for its results', () => {
    expect(openAIChatViolation({ messages: [user, assistant('a', 'b'), tool('b'), tool('a'), user] })).toBeUndefined();
    expect(openAIChatViolation({ messages: [user, assistant('a')] })).toBeUndefined();
  });

  it('refuses a tool message without its call, an unanswered call, and an id over 40 characters', () => {
    expect(openAIChatViolation({ messages: [user, tool('a')] })).toEqual({ message: "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.", param: 'messages.[1].role' });
    expect(openAIChatViolation({ messages: [user, assistant('a', 'b'), tool('a'), user] })).toEqual({
      message: "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: b",
      param: 'messages',
    });
    expect(openAIChatViolation({ messages: [user, assistant('x'.repeat(41)), tool('x'.repeat(41))] })).toEqual({
      message: "Invalid 'messages[1].tool_calls[0].id': string too long. Expected a string with maximum length 40, but got a string with length 41 instead.",
      param: 'messages.[1].tool_calls.[0].id',
    });
  });
});
