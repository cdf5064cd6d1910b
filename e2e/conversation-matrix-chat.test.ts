import OpenAI from 'openai';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { DUMMY_THOUGHT_SIGNATURE } from '../src/providers/gemini/gemini-thought-signatures';
import { anthropicToolTurn, converseToolTurn, geminiToolTurn, openAIToolTurn } from './conversation-matrix-replies';
import type { ScriptedCall } from './conversation-matrix-replies';
import { Stack, TEST_KEY, describeE2E } from './harness';

const CLAUDE_ON_BEDROCK = 'anthropic.claude-sonnet-4-20250514-v1:0';
const TOOLS: OpenAI.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
  { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
];
const CONTINUED_CLAUDE = 'dropped reasoning_effort: anthropic needs the signed thinking block of the turn being continued';
const CONTINUED_BEDROCK = 'dropped reasoning_effort: claude needs the signed thinking block of the turn being continued';

/** Two parallel calls, with ids as the provider writes them. */
function calls(ids: [string, string], city: string): ScriptedCall[] {
  return [
    { id: ids[0], name: 'get_weather', input: { city } },
    { id: ids[1], name: 'get_time', input: { city } },
  ];
}

type Message = OpenAI.ChatCompletionMessageParam;

/**
 * Issue 19 item 3, OpenAI chat client: an agent's tool loop with reasoning on whose backend
 * changes every turn — OpenAI → Anthropic → Bedrock (Claude) → Gemini 3 → Bedrock → OpenAI,
 * then a new user turn on Anthropic and Gemini. Every fake refuses what its real API refuses
 * (ids, pairing, thinking on a continued turn, Gemini 3 thought signatures, tool-message order:
 * src/fake-provider/history-refusals.ts), so each turn passes only if the gateway made the
 * history valid for that provider.
 */
describeE2E('conversation matrix: an OpenAI chat agent whose provider changes every turn', () => {
  const fakes: Record<'openai' | 'anthropic' | 'bedrock' | 'gemini', FakeProvider> = {} as never;
  let stack: Stack;
  let openai: OpenAI;

  beforeAll(async () => {
    for (const name of ['openai', 'anthropic', 'bedrock', 'gemini'] as const) fakes[name] = await FakeProvider.start({ name });
    stack = await Stack.start({
      env: { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', OPENAI_KEY: 'sk-openai', ANTHROPIC_KEY: 'sk-ant', GEMINI_KEY: 'g-key' },
      config: {
        backends: [
          { name: 'openai', kind: 'openai', baseUrl: `${fakes.openai.url}/v1`, credential: { env: 'OPENAI_KEY' } },
          { name: 'anthropic', kind: 'anthropic', baseUrl: fakes.anthropic.url, credential: { env: 'ANTHROPIC_KEY' } },
          { name: 'bedrock', kind: 'bedrock', baseUrl: fakes.bedrock.url, aws: { region: 'us-east-1' } },
          { name: 'gemini', kind: 'gemini', baseUrl: fakes.gemini.url, credential: { env: 'GEMINI_KEY' } },
        ],
        models: [
          { name: 'agent-openai', backends: [{ backend: 'openai', model: 'gpt-4o' }] },
          { name: 'agent-claude', backends: [{ backend: 'anthropic', model: 'claude-sonnet-4-5' }] },
          { name: 'agent-bedrock', backends: [{ backend: 'bedrock', model: CLAUDE_ON_BEDROCK }] },
          { name: 'agent-gemini', backends: [{ backend: 'gemini', model: 'gemini-3-pro-preview' }] },
        ],
      },
    });
    openai = new OpenAI({ apiKey: TEST_KEY, baseURL: `${stack.baseUrl}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await stack?.stop();
    await Promise.all(Object.values(fakes).map((fake) => fake.close()));
  });

  test('three providers write the tool loop, two more continue it, and the answer comes back', async () => {
    const history: Message[] = [{ role: 'user', content: 'Weather and local time in Paris, Rome and Oslo?' }];
    /** One turn: the client's request (the reply is queued on the backend's fake first), its answer appended as an agent would. */
    const turn = async (model: string, stream = false): Promise<{ message: OpenAI.ChatCompletionMessage; warning: string | null }> => {
      const request = { model, messages: history, tools: TOOLS, reasoning_effort: 'low' as const };
      let message: OpenAI.ChatCompletionMessage;
      let warning: string | null;
      if (stream) {
        const { data, response } = await openai.chat.completions.create({ ...request, stream: true }).withResponse();
        let content = '';
        for await (const chunk of data) content += chunk.choices[0]?.delta.content ?? '';
        message = { role: 'assistant', content, refusal: null };
        warning = response.headers.get('x-aigw-warning');
      } else {
        const { data, response } = await openai.chat.completions.create(request).withResponse();
        message = data.choices[0].message;
        warning = response.headers.get('x-aigw-warning');
      }
      const toolCalls = message.tool_calls?.filter((call) => call.type === 'function') ?? [];
      history.push(toolCalls.length > 0 ? { role: 'assistant', content: message.content, tool_calls: toolCalls } : { role: 'assistant', content: message.content });
      for (const call of toolCalls) history.push({ role: 'tool', tool_call_id: call.id, content: `${call.function.name} done` });
      return { message, warning };
    };
    const idsOf = (message: OpenAI.ChatCompletionMessage): string[] => message.tool_calls?.map((call) => call.id) ?? [];

    // 1. OpenAI writes the first calls.
    fakes.openai.enqueue(openAIToolTurn(calls(['call_Qx7mZ2fK9pL3vB8nR4tY1wE6', 'call_Hs2dJ8kL4mN9pQ3rT7vX1zB5'], 'Paris')));
    const first = await turn('agent-openai');
    expect(idsOf(first.message)).toEqual(['call_Qx7mZ2fK9pL3vB8nR4tY1wE6', 'call_Hs2dJ8kL4mN9pQ3rT7vX1zB5']);

    // 2. Anthropic continues OpenAI's loop: no signed thinking to start the turn, so no thinking.
    fakes.anthropic.enqueue(anthropicToolTurn(calls(['toolu_01A9bXk2mP7qR4sT8vW3yZ6c', 'toolu_01D5eFh8jK2lM9nP4qR7sT1u'], 'Rome')));
    const second = await turn('agent-claude');
    expect(second.warning).toBe(CONTINUED_CLAUDE);
    expect((fakes.anthropic.received[0].json as Record<string, unknown>).thinking).toBeUndefined();
    expect(idsOf(second.message)).toEqual(['toolu_01A9bXk2mP7qR4sT8vW3yZ6c', 'toolu_01D5eFh8jK2lM9nP4qR7sT1u']);

    // 3. Claude on Bedrock (Converse) continues it, under the same rule.
    fakes.bedrock.enqueue(converseToolTurn(calls(['tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', 'tooluse_Xc4vB7nM2qW8eR5tY1uI9o'], 'Oslo')));
    const third = await turn('agent-bedrock');
    expect(third.warning).toBe(CONTINUED_BEDROCK);
    expect((fakes.bedrock.received[0].json as Record<string, unknown>).additionalModelRequestFields).toBeUndefined();

    // 4. Gemini 3: every model step of the current turn needs a signature; the others' calls get the dummy.
    fakes.gemini.enqueue(geminiToolTurn(calls(['', ''], 'Oslo').map(({ name, input }) => ({ name, input })), 'Tomorrow too.', 'turn4'));
    const fourth = await turn('agent-gemini');
    const sentToGemini = fakes.gemini.received[0].json as { contents: Array<{ role: string; parts: Array<Record<string, unknown>> }> };
    const modelSteps = sentToGemini.contents.filter((content) => content.role === 'model');
    expect(modelSteps.map((step) => step.parts.map((part) => part.thoughtSignature ?? null))).toEqual([
      [DUMMY_THOUGHT_SIGNATURE, null],
      [DUMMY_THOUGHT_SIGNATURE, null],
      [DUMMY_THOUGHT_SIGNATURE, null],
    ]);
    expect((fourth.message as unknown as { reasoning_content?: string }).reasoning_content).toBe('Tomorrow too.');
    const geminiIds = idsOf(fourth.message);
    // The first call carries Gemini's signature in its id (longer than Bedrock's 64 and OpenAI's 40).
    expect(geminiIds[0]).toMatch(/^call_[A-Za-z0-9]+_0__ts_gemini_[A-Za-z0-9_-]+$/);
    expect(geminiIds[0].length).toBeGreaterThan(64);
    expect(geminiIds[1]).toMatch(/^call_[A-Za-z0-9]+_1$/);

    // 5. Back to Bedrock: Gemini's long id is rewritten to fit, still paired with its result.
    fakes.bedrock.enqueue(converseToolTurn(calls(['tooluse_Pq2wE5rT8yU1iO4pA7sD0f', 'tooluse_Gh3jK6lZ9xC2vB5nM8qW1e'], 'Rome')));
    await turn('agent-bedrock');
    const sentToBedrock = fakes.bedrock.received[1].json as { messages: Array<{ content: Array<Record<string, { toolUseId?: string }>> }> };
    const bedrockIds = sentToBedrock.messages.flatMap((message) => message.content.flatMap((block) => block.toolUse?.toolUseId ?? block.toolResult?.toolUseId ?? []));
    expect(bedrockIds).toHaveLength(16);
    expect(bedrockIds.every((id) => /^[a-zA-Z0-9_-]{1,64}$/.test(id))).toBe(true);
    expect(bedrockIds).not.toContain(geminiIds[0]);
    expect(bedrockIds).toContain(geminiIds[1]);

    // 6. OpenAI ends the loop, streamed: ids over 40 characters are cut to fit, the pairs kept.
    const last = await turn('agent-openai', true);
    expect(last.message.content).toBe('Hello from openai');
    const sentToOpenAI = fakes.openai.received[1].json as { messages: Array<{ role: string; tool_call_id?: string; tool_calls?: Array<{ id: string }> }> };
    const openAIIds = sentToOpenAI.messages.flatMap((message) => [...(message.tool_calls?.map((call) => call.id) ?? []), ...(message.tool_call_id ? [message.tool_call_id] : [])]);
    expect(openAIIds).toHaveLength(20);
    expect(openAIIds.every((id) => id.length <= 40)).toBe(true);

    // 7. A new user turn: Claude may think again (no turn is continued), with the whole mixed history.
    history.push({ role: 'user', content: 'Thanks. Which city is warmest?' });
    const claude = await turn('agent-claude');
    expect(claude.warning).toBeNull();
    expect((fakes.anthropic.received[1].json as Record<string, unknown>).thinking).toEqual({ type: 'enabled', budget_tokens: 1024 });
    expect(claude.message.content).toBe('Hello from anthropic');

    // 8. And Gemini answers the next one, streamed.
    history.push({ role: 'user', content: 'And the coldest?' });
    const gemini = await turn('agent-gemini', true);
    expect(gemini.message.content).toBe('Hello from gemini');
    expect(history.filter((message) => message.role === 'tool')).toHaveLength(10);
  });
});
