import OpenAI from 'openai';
import type { Behaviour } from '../src/fake-provider/behaviours';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { fakeEncryptedReasoning } from '../src/fake-provider/signatures';
import { droppedReasoningWarning } from '../src/providers/openai/responses-reasoning';
import { Stack, TEST_KEY, describeE2E } from './harness';

const TOOLS: OpenAI.Responses.Tool[] = [
  { type: 'function', name: 'get_weather', strict: false, parameters: { type: 'object', properties: { city: { type: 'string' } } } },
  { type: 'function', name: 'get_time', strict: false, parameters: { type: 'object', properties: { city: { type: 'string' } } } },
];
const DOWN: Behaviour = { kind: 'json', status: 503, body: { error: { message: 'down', type: 'server_error', param: null, code: null } } };

/** A Responses answer from the fake account `account`: its encrypted reasoning and two parallel calls, items named as that account names them. */
function toolTurn(account: string, n: number, city: string): Behaviour {
  const output = [
    { id: `rs_${account}_${n}`, type: 'reasoning', summary: [{ type: 'summary_text', text: `Two lookups for ${city}.` }], encrypted_content: fakeEncryptedReasoning(account, `turn${n}`) },
    ...['get_weather', 'get_time'].map((name, index) => ({
      id: `fc_${account}_${n}_${index}`,
      type: 'function_call',
      status: 'completed',
      arguments: JSON.stringify({ city }),
      call_id: `call_${account}${n}${index}`,
      name,
    })),
  ];
  const usage = { input_tokens: 30, input_tokens_details: { cached_tokens: 0 }, output_tokens: 9, output_tokens_details: { reasoning_tokens: 6 }, total_tokens: 39 };
  return { kind: 'json', status: 200, body: { id: `resp_${account}_${n}`, object: 'response', created_at: 1_767_225_600, status: 'completed', model: 'o4-mini', output, usage } };
}

/**
 * Issue 19 items 3 and 4, OpenAI Responses client, stateless (store: false, encrypted reasoning
 * kept in the client's input): the conversation moves between an OpenAI and an Azure account,
 * between turns and within one request. Encrypted reasoning is readable only by the account that
 * made it, and each fake refuses what OpenAI refuses (src/fake-provider/responses-checks.ts).
 */
describeE2E('conversation matrix: a stateless Responses agent moving between OpenAI and Azure', () => {
  let openaiFake: FakeProvider;
  let azureFake: FakeProvider;
  let stack: Stack;
  let client: OpenAI;

  beforeAll(async () => {
    openaiFake = await FakeProvider.start({ name: 'openai' });
    azureFake = await FakeProvider.start({ name: 'azure' });
    stack = await Stack.start({
      env: { AZURE_KEY: 'azure-secret', OPENAI_KEY: 'sk-openai' },
      config: {
        backends: [
          { name: 'openai', kind: 'openai', baseUrl: `${openaiFake.url}/v1`, credential: { env: 'OPENAI_KEY' } },
          { name: 'azure', kind: 'azure-openai', baseUrl: azureFake.url, apiVersion: 'v1', credential: { env: 'AZURE_KEY' } },
        ],
        models: [
          { name: 'on-openai', backends: [{ backend: 'openai', model: 'o4-mini' }] },
          { name: 'on-azure', backends: [{ backend: 'azure', model: 'o4-mini' }] },
          { name: 'openai-then-azure', backends: [{ backend: 'openai', model: 'o4-mini' }, { backend: 'azure', model: 'o4-mini' }] },
        ],
      },
    });
    client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${stack.baseUrl}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await stack?.stop();
    await Promise.all([openaiFake?.close(), azureFake?.close()]);
  });

  test('each account reads only its own reasoning; the loop completes across both, between turns and within a request', async () => {
    const input: OpenAI.Responses.ResponseInputItem[] = [{ role: 'user', content: 'Weather and time in Paris, Rome and Oslo?' }];
    const ask = async (model: string, stream = false): Promise<{ output: OpenAI.Responses.ResponseOutputItem[]; text: string; warning: string | null }> => {
      const request = { model, input, tools: TOOLS, store: false, include: ['reasoning.encrypted_content' as const], reasoning: { effort: 'low' as const } };
      let response: OpenAI.Responses.Response;
      let warning: string | null;
      if (stream) {
        const { data, response: raw } = await client.responses.create({ ...request, stream: true }).withResponse();
        let completed: OpenAI.Responses.Response | undefined;
        for await (const event of data) if (event.type === 'response.completed') completed = event.response;
        if (!completed) throw new Error('no response.completed');
        response = completed;
        warning = raw.headers.get('x-aigw-warning');
      } else {
        const { data, response: raw } = await client.responses.create(request).withResponse();
        response = data;
        warning = raw.headers.get('x-aigw-warning');
      }
      input.push(...(response.output as OpenAI.Responses.ResponseInputItem[]));
      for (const item of response.output) if (item.type === 'function_call') input.push({ type: 'function_call_output', call_id: item.call_id, output: `${item.name} done` });
      // output_text is the SDK's own addition to whole answers; a streamed response has only its items.
      const text = response.output.flatMap((item) => (item.type === 'message' ? item.content.flatMap((part) => (part.type === 'output_text' ? [part.text] : [])) : [])).join('');
      return { output: response.output, text, warning };
    };
    const sentInput = (fake: FakeProvider, index: number): Array<Record<string, unknown>> => (fake.received[index].json as { input: Array<Record<string, unknown>> }).input;

    // 1. OpenAI reasons and calls; the client gets the reasoning marked as OpenAI's (not the backend's name).
    openaiFake.enqueue(toolTurn('openai', 1, 'Paris'));
    const first = await ask('on-openai');
    const reasoning = first.output[0] as OpenAI.Responses.ResponseReasoningItem;
    expect(reasoning.encrypted_content).toMatch(/^aigw1:[0-9a-f]{12}:gAAAAA/);
    expect(reasoning.encrypted_content).not.toContain('openai');
    expect(first.warning).toBeNull();

    // 2. Azure cannot read OpenAI's reasoning: it is left out, with the ids of its calls; the calls stay.
    azureFake.enqueue(toolTurn('azure', 2, 'Rome'));
    const second = await ask('on-azure');
    expect(second.warning).toBe(droppedReasoningWarning(1));
    const toAzure = sentInput(azureFake, 0);
    expect(toAzure.map((item) => item.type ?? item.role)).toEqual(['user', 'function_call', 'function_call', 'function_call_output', 'function_call_output']);
    expect(toAzure.filter((item) => 'id' in item)).toEqual([]);

    // 3. Within one request: OpenAI down (503), Azure answers; each attempt got its own version of the history.
    openaiFake.enqueue(DOWN);
    azureFake.enqueue(toolTurn('azure', 3, 'Oslo'));
    const third = await ask('openai-then-azure');
    expect(third.warning).toBe(droppedReasoningWarning(1));
    const toOpenAI = sentInput(openaiFake, 1);
    // OpenAI got its own reasoning back unmarked, and Azure's left out.
    expect(toOpenAI.filter((item) => item.type === 'reasoning').map((item) => item.encrypted_content)).toEqual([fakeEncryptedReasoning('openai', 'turn1')]);
    const toAzureAgain = sentInput(azureFake, 1);
    expect(toAzureAgain.filter((item) => item.type === 'reasoning').map((item) => item.encrypted_content)).toEqual([fakeEncryptedReasoning('azure', 'turn2')]);

    // 4. Back on OpenAI, streamed: the loop ends with the answer.
    const last = await ask('on-openai', true);
    expect(last.text).toBe('Hello from openai');
    expect(last.warning).toBe(droppedReasoningWarning(2));
    expect(sentInput(openaiFake, 2).filter((item) => item.type === 'function_call_output')).toHaveLength(6);
  });
});
