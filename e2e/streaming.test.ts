import { FakeProvider } from '../src/fake-provider/fake-provider';
import { SseDecoder } from '../src/providers/sse';
import { Stack, describeE2E } from './harness';

function chunk(content: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    id: 'chatcmpl-stream',
    object: 'chat.completion.chunk',
    created: 1700000000,
    model: 'm',
    choices: [{ index: 0, delta: { content }, logprobs: null, finish_reason: null }],
    ...extra,
  });
}

const usageChunk = JSON.stringify({
  id: 'chatcmpl-stream',
  object: 'chat.completion.chunk',
  created: 1700000000,
  model: 'm',
  choices: [],
  usage: { prompt_tokens: 11, completion_tokens: 20, total_tokens: 31, completion_tokens_details: { reasoning_tokens: 3 } },
});

/** Streams reach the client event by event, and survive chunks split anywhere. */
describeE2E('streaming through Envoy + aigw', () => {
  let provider: FakeProvider;
  let stack: Stack;

  beforeAll(async () => {
    provider = await FakeProvider.start({ name: 'stream' });
    stack = await Stack.start({
      config: {
        backends: [
          { name: 'with-usage', kind: 'openai', baseUrl: `${provider.url}/v1` },
          { name: 'without-usage', kind: 'openai', baseUrl: `${provider.url}/v1`, streamIncludeUsage: false },
        ],
        models: [
          { name: 'rewritten', backends: [{ backend: 'with-usage' }] },
          { name: 'passthrough', backends: [{ backend: 'without-usage' }] },
        ],
      },
    });
  });

  afterAll(async () => {
    await stack?.stop();
    await provider?.close();
  });

  beforeEach(() => provider.reset());

  test.each(['rewritten', 'passthrough'])('%s: 20 events 200 ms apart arrive one by one', async (model) => {
    const events = Array.from({ length: 20 }, (_, index) => chunk(`token${index} `));
    provider.enqueue({ kind: 'sse', events: [...events, usageChunk, '[DONE]'], intervalMs: 200 });
    const response = await stack.post('/v1/chat/completions', { model, stream: true, messages: [{ role: 'user', content: 'go' }] });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const decoder = new SseDecoder();
    const received: Array<{ data: string; at: number }> = [];
    const reader = response.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const at = Date.now();
      for (const event of decoder.push(Buffer.from(value))) received.push({ data: event.data ?? '', at });
    }
    const expected = model === 'rewritten' ? [...events, '[DONE]'] : [...events, usageChunk, '[DONE]'];
    expect(received.map((event) => event.data)).toEqual(expected);
    const sent = provider.eventSentAt;
    expect(sent).toHaveLength(22);
    // Each event reached the client before the provider wrote the next one.
    for (let index = 0; index < 19; index++) {
      expect(received[index].at).toBeLessThan(sent[index + 1]);
    }
    const entry = await stack.waitForAccessLog((line) => line.model === model && line.status === 200);
    expect(entry).toMatchObject({ input_tokens: 11, output_tokens: 20, reasoning_tokens: 3, total_tokens: 31 });
  }, 20000);

  test('chunks split inside events and inside UTF-8 characters come out whole and exact', async () => {
    const stream = `data: ${chunk('héllo wörld 👋 日本')}\n\ndata: ${chunk('second')}\r\n\r\n: keep-alive\n\ndata: ${usageChunk}\n\ndata: [DONE]\n\n`;
    const bytes = Buffer.from(stream);
    const emoji = bytes.indexOf(Buffer.from('👋'));
    const cuts = [5, emoji + 1, emoji + 3, bytes.indexOf('\r\n\r\n') + 1, bytes.indexOf('[DONE]') + 2];
    const pieces: Buffer[] = [];
    let start = 0;
    for (const cut of [...cuts, bytes.length]) {
      pieces.push(bytes.subarray(start, cut));
      start = cut;
    }
    for (const model of ['passthrough', 'rewritten']) {
      provider.enqueue({ kind: 'raw-sse', chunks: pieces, intervalMs: 30 });
      const response = await stack.post('/v1/chat/completions', { model, stream: true, messages: [{ role: 'user', content: 'go' }] });
      const body = Buffer.from(await response.arrayBuffer());
      // Pass-through keeps every byte; the rewriting path drops only its own usage chunk.
      const expected = model === 'passthrough' ? stream : stream.replace(`data: ${usageChunk}\n\n`, '');
      expect(body.toString('utf8')).toBe(expected);
    }
  });
});
