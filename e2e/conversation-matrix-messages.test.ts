import Anthropic from '@anthropic-ai/sdk';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { fakeThinkingSignature } from '../src/fake-provider/signatures';
import { THINKING_NEEDS_SIGNED_TURN_WARNING } from '../src/providers/anthropic/thinking-continuation';
import { REPLAYED_THINKING_WARNING } from '../src/providers/openai/convert-anthropic-messages-to-openai';
import { anthropicToolTurn, converseToolTurn, openAIToolTurn } from './conversation-matrix-replies';
import type { ScriptedCall } from './conversation-matrix-replies';
import { Stack, TEST_KEY, describeE2E } from './harness';

const CLAUDE_ON_BEDROCK = 'anthropic.claude-sonnet-4-20250514-v1:0';
const THINKING = { type: 'enabled', budget_tokens: 1024 } as const;
const TOOLS: Anthropic.Tool[] = [
  { name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
  { name: 'get_time', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
];

function calls(ids: [string, string], city: string): ScriptedCall[] {
  return [
    { id: ids[0], name: 'get_weather', input: { city } },
    { id: ids[1], name: 'get_time', input: { city } },
  ];
}

/**
 * Issue 19 item 3, Anthropic Messages client with extended thinking: a tool loop whose backend
 * changes every turn — Anthropic → Claude on Bedrock (Converse) → OpenAI → Anthropic → Claude on
 * Bedrock (InvokeModel) → Bedrock Converse, then a new user turn. Signed thinking travels between
 * the Claude platforms; it cannot go to OpenAI, and a turn OpenAI wrote cannot be continued with
 * thinking on. The fakes refuse what the real APIs refuse (src/fake-provider/history-refusals.ts).
 */
describeE2E('conversation matrix: an Anthropic Messages agent with thinking whose provider changes every turn', () => {
  const fakes: Record<'openai' | 'anthropic' | 'bedrock', FakeProvider> = {} as never;
  let stack: Stack;
  let anthropic: Anthropic;

  beforeAll(async () => {
    for (const name of ['openai', 'anthropic', 'bedrock'] as const) fakes[name] = await FakeProvider.start({ name });
    const aws = { region: 'us-east-1' };
    stack = await Stack.start({
      env: { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', OPENAI_KEY: 'sk-openai', ANTHROPIC_KEY: 'sk-ant' },
      config: {
        backends: [
          { name: 'openai', kind: 'openai', baseUrl: `${fakes.openai.url}/v1`, credential: { env: 'OPENAI_KEY' } },
          { name: 'anthropic', kind: 'anthropic', baseUrl: fakes.anthropic.url, credential: { env: 'ANTHROPIC_KEY' } },
          { name: 'converse', kind: 'bedrock', baseUrl: fakes.bedrock.url, aws },
          { name: 'invoke', kind: 'bedrock', api: 'invoke', baseUrl: fakes.bedrock.url, aws },
        ],
        models: [
          { name: 'agent-claude', backends: [{ backend: 'anthropic', model: 'claude-sonnet-4-5' }] },
          { name: 'agent-converse', backends: [{ backend: 'converse', model: CLAUDE_ON_BEDROCK }] },
          { name: 'agent-invoke', backends: [{ backend: 'invoke', model: CLAUDE_ON_BEDROCK }] },
          { name: 'agent-openai', backends: [{ backend: 'openai', model: 'gpt-4o' }] },
        ],
      },
    });
    anthropic = new Anthropic({ apiKey: TEST_KEY, baseURL: stack.baseUrl, maxRetries: 0 });
  });

  afterAll(async () => {
    await stack?.stop();
    await Promise.all(Object.values(fakes).map((fake) => fake.close()));
  });

  test('signed thinking crosses the Claude platforms, is dropped for OpenAI, and thinking pauses where no signed turn exists', async () => {
    const history: Anthropic.MessageParam[] = [{ role: 'user', content: 'Weather and local time in Paris, Rome and Oslo?' }];
    const turn = async (model: string, stream = false): Promise<{ message: Anthropic.Message; warning: string | null }> => {
      const request = { model, max_tokens: 2048, thinking: THINKING, tools: TOOLS, messages: history };
      let message: Anthropic.Message;
      let warning: string | null;
      if (stream) {
        const streamed = anthropic.messages.stream(request);
        message = await streamed.finalMessage();
        warning = (await streamed.withResponse()).response.headers.get('x-aigw-warning');
      } else {
        const { data, response } = await anthropic.messages.create(request).withResponse();
        message = data;
        warning = response.headers.get('x-aigw-warning');
      }
      history.push({ role: 'assistant', content: message.content });
      const uses = message.content.filter((block): block is Anthropic.ToolUseBlock => block.type === 'tool_use');
      if (uses.length > 0) history.push({ role: 'user', content: uses.map((use) => ({ type: 'tool_result' as const, tool_use_id: use.id, content: `${use.name} done` })) });
      return { message, warning };
    };
    const sent = (fake: FakeProvider, index: number): Record<string, unknown> => fake.received[index].json as Record<string, unknown>;

    // 1. Anthropic thinks and calls two tools.
    fakes.anthropic.enqueue(anthropicToolTurn(calls(['toolu_01A9bXk2mP7qR4sT8vW3yZ6c', 'toolu_01D5eFh8jK2lM9nP4qR7sT1u'], 'Paris'), 'Two lookups for Paris.'));
    const first = await turn('agent-claude');
    expect(first.message.content[0]).toEqual({ type: 'thinking', thinking: 'Two lookups for Paris.', signature: fakeThinkingSignature('Two lookups for Paris.') });

    // 2. Claude on Bedrock continues with thinking on: Anthropic's signature is valid there.
    fakes.bedrock.enqueue(converseToolTurn(calls(['tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', 'tooluse_Xc4vB7nM2qW8eR5tY1uI9o'], 'Rome'), 'Now Rome.'));
    const second = await turn('agent-converse');
    expect(second.warning).toBeNull();
    expect(sent(fakes.bedrock, 0).additionalModelRequestFields).toEqual({ thinking: THINKING });
    expect(second.message.content.map((block) => block.type)).toEqual(['thinking', 'tool_use', 'tool_use']);
    expect(second.message.content[0]).toEqual({ type: 'thinking', thinking: 'Now Rome.', signature: fakeThinkingSignature('Now Rome.') });

    // 3. OpenAI: chat completions takes no thinking back; the blocks are left out and named.
    fakes.openai.enqueue(openAIToolTurn(calls(['call_Qx7mZ2fK9pL3vB8nR4tY1wE6', 'call_Hs2dJ8kL4mN9pQ3rT7vX1zB5'], 'Oslo')));
    const third = await turn('agent-openai');
    expect(third.warning).toBe(REPLAYED_THINKING_WARNING);
    expect(JSON.stringify(sent(fakes.openai, 0))).not.toContain('Now Rome.');
    expect(third.message.content.map((block) => (block.type === 'tool_use' ? block.id : block.type))).toEqual(['call_Qx7mZ2fK9pL3vB8nR4tY1wE6', 'call_Hs2dJ8kL4mN9pQ3rT7vX1zB5']);

    // 4. Anthropic continues OpenAI's turn: no signed block starts it, so this request goes without thinking.
    fakes.anthropic.enqueue(anthropicToolTurn(calls(['toolu_01G7hJ2kL5mN8pQ1rS4tU7vW', 'toolu_01X3yZ6aB9cD2eF5gH8iJ1kL'], 'Oslo')));
    const fourth = await turn('agent-claude');
    expect(fourth.warning).toBe(THINKING_NEEDS_SIGNED_TURN_WARNING);
    expect(sent(fakes.anthropic, 1).thinking).toBeUndefined();
    // The earlier turns' signed thinking stays in the history Anthropic gets.
    expect(JSON.stringify(sent(fakes.anthropic, 1).messages)).toContain(fakeThinkingSignature('Now Rome.'));

    // 5. Claude through InvokeModel, same rule.
    fakes.bedrock.enqueue(anthropicToolTurn(calls(['toolu_bdrk_01Mn4Bv7Cx0Za3Sd6Fg9', 'toolu_bdrk_01Hj2Kl5Qw8Er1Ty4Ui7'], 'Paris')));
    const fifth = await turn('agent-invoke');
    expect(fifth.warning).toBe(THINKING_NEEDS_SIGNED_TURN_WARNING);
    expect(sent(fakes.bedrock, 1).thinking).toBeUndefined();
    expect(fakes.bedrock.received[1].path).toBe(`/model/${encodeURIComponent(CLAUDE_ON_BEDROCK)}/invoke`);

    // 6. Converse ends the loop, streamed.
    const sixth = await turn('agent-converse', true);
    expect(sixth.warning).toBe(THINKING_NEEDS_SIGNED_TURN_WARNING);
    expect(sixth.message.content).toEqual([{ type: 'text', text: 'Hello from bedrock' }]);

    // 7. A new user turn: thinking is back on, with every signed block of the history accepted.
    history.push({ role: 'user', content: 'Which city is warmest?' });
    const last = await turn('agent-claude');
    expect(last.warning).toBeNull();
    expect(sent(fakes.anthropic, 2).thinking).toEqual(THINKING);
    expect(last.message.content).toEqual([{ type: 'text', text: 'Hello from anthropic' }]);
    expect(history.filter((message) => message.role === 'user' && Array.isArray(message.content))).toHaveLength(5);
  });
});
