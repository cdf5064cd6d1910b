import { FakeProvider } from '../src/fake-provider/fake-provider';
import { Stack, describeE2E } from './harness';

/**
 * A non-streamed answer between aigw's gRPC limit of old (17 MiB) and Envoy's buffer (32 MiB)
 * used to be a 500 after the provider had billed it: every limit on the way now agrees.
 */
describeE2E('large answers', () => {
  let provider: FakeProvider;
  let stack: Stack;
  const text = 'All work and no play. '.repeat(Math.ceil((20 * 1024 * 1024) / 22)).slice(0, 20 * 1024 * 1024);

  beforeAll(async () => {
    provider = await FakeProvider.start({ name: 'large' });
    stack = await Stack.start({
      config: {
        backends: [
          { name: 'openai', kind: 'openai', baseUrl: `${provider.url}/v1` },
          { name: 'claude', kind: 'anthropic', baseUrl: provider.url },
        ],
        models: [
          { name: 'passed', backends: [{ backend: 'openai' }] },
          { name: 'translated', backends: [{ backend: 'claude', model: 'claude-x' }] },
        ],
      },
    });
  });

  afterAll(async () => {
    await stack?.stop();
    await provider?.close();
  });

  test('a 20 MiB pass-through answer arrives whole, its usage read', async () => {
    provider.enqueue({
      kind: 'json',
      status: 200,
      body: { id: 'big', object: 'chat.completion', created: 1, model: 'passed', choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 5000000, total_tokens: 5000003 } },
    });
    const response = await stack.post('/v1/chat/completions', { model: 'passed', messages: [{ role: 'user', content: 'long' }] });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { choices: Array<{ message: { content: string } }> };
    expect(body.choices[0].message.content.length).toBe(text.length);
    expect(body.choices[0].message.content === text).toBe(true);
    const entry = await stack.waitForAccessLog((line) => line.model === 'passed');
    expect(entry).toMatchObject({ status: 200, output_tokens: 5000000 });
  }, 60_000);

  test('a 20 MiB answer translated from Anthropic arrives whole, with its length', async () => {
    provider.enqueue({
      kind: 'json',
      status: 200,
      body: { id: 'msg_big', type: 'message', role: 'assistant', model: 'claude-x', content: [{ type: 'text', text }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 3, output_tokens: 5000000 } },
    });
    const response = await stack.post('/v1/chat/completions', { model: 'translated', messages: [{ role: 'user', content: 'long' }] });
    expect(response.status).toBe(200);
    const raw = await response.text();
    expect(Number(response.headers.get('content-length'))).toBe(Buffer.byteLength(raw));
    const body = JSON.parse(raw) as { object: string; choices: Array<{ message: { content: string } }> };
    expect(body.object).toBe('chat.completion');
    expect(body.choices[0].message.content === text).toBe(true);
    const entry = await stack.waitForAccessLog((line) => line.model === 'translated');
    expect(entry).toMatchObject({ status: 200, output_tokens: 5000000 });
  }, 60_000);
});
