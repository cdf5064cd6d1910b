/**
 * What each provider's fake answers in the conversation matrix (e2e/conversation-matrix*.test.ts):
 * a turn with reasoning and two parallel tool calls, in that provider's own wire format and
 * with ids as that provider writes them, signed as the fakes sign (src/fake-provider/signatures.ts).
 */
import type { Behaviour } from '../src/fake-provider/behaviours';
import { fakeThinkingSignature, fakeThoughtSignature } from '../src/fake-provider/signatures';

/** One tool call of a scripted turn. */
export interface ScriptedCall {
  readonly id: string;
  readonly name: string;
  readonly input: Record<string, unknown>;
}

const USAGE_IN = 40;
const USAGE_OUT = 12;

/** OpenAI chat completion with parallel tool calls (no reasoning in chat completions). */
export function openAIToolTurn(calls: readonly ScriptedCall[]): Behaviour {
  const message = {
    role: 'assistant',
    content: null,
    tool_calls: calls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: JSON.stringify(call.input) } })),
    refusal: null,
  };
  return {
    kind: 'json',
    status: 200,
    body: {
      id: 'chatcmpl-matrix',
      object: 'chat.completion',
      created: 1_767_225_600,
      model: 'gpt-4o',
      choices: [{ index: 0, message, logprobs: null, finish_reason: 'tool_calls' }],
      usage: { prompt_tokens: USAGE_IN, completion_tokens: USAGE_OUT, total_tokens: USAGE_IN + USAGE_OUT },
    },
  };
}

/** Anthropic message: a signed thinking block (when `thinking` is given), then tool_use blocks. */
export function anthropicToolTurn(calls: readonly ScriptedCall[], thinking?: string): Behaviour {
  const content = [
    ...(thinking === undefined ? [] : [{ type: 'thinking', thinking, signature: fakeThinkingSignature(thinking) }]),
    ...calls.map((call) => ({ type: 'tool_use', id: call.id, name: call.name, input: call.input })),
  ];
  return {
    kind: 'json',
    status: 200,
    body: {
      id: 'msg_matrix',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content,
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: USAGE_IN, output_tokens: USAGE_OUT, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    },
  };
}

/** Converse answer: signed reasoning content (when `thinking` is given), then toolUse blocks. */
export function converseToolTurn(calls: readonly ScriptedCall[], thinking?: string): Behaviour {
  const content = [
    ...(thinking === undefined ? [] : [{ reasoningContent: { reasoningText: { text: thinking, signature: fakeThinkingSignature(thinking) } } }]),
    ...calls.map((call) => ({ toolUse: { toolUseId: call.id, name: call.name, input: call.input } })),
  ];
  return {
    kind: 'json',
    status: 200,
    body: {
      output: { message: { role: 'assistant', content } },
      stopReason: 'tool_use',
      usage: { inputTokens: USAGE_IN, outputTokens: USAGE_OUT, totalTokens: USAGE_IN + USAGE_OUT },
      metrics: { latencyMs: 1 },
    },
  };
}

/** Gemini answer: a thought summary, then functionCall parts, the first signed by this fake endpoint (Gemini 3 signs only the first of parallel calls). */
export function geminiToolTurn(calls: ReadonlyArray<Omit<ScriptedCall, 'id'>>, thought: string, seed: string): Behaviour {
  const parts = [
    { text: thought, thought: true },
    ...calls.map((call, index) => ({ functionCall: { name: call.name, args: call.input }, ...(index === 0 ? { thoughtSignature: fakeThoughtSignature('gemini', seed) } : {}) })),
  ];
  return {
    kind: 'json',
    status: 200,
    body: {
      candidates: [{ content: { parts, role: 'model' }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: USAGE_IN, candidatesTokenCount: USAGE_OUT, totalTokenCount: USAGE_IN + USAGE_OUT + 4, thoughtsTokenCount: 4 },
      modelVersion: 'gemini-3-pro-preview',
      responseId: 'resp-matrix',
    },
  };
}
