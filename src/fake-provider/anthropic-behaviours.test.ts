import { FakeProvider } from './fake-provider';

function post(provider: FakeProvider, path: string, body: unknown): Promise<Response> {
  return fetch(`${provider.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Splits a named-event SSE body into {event, data}, insisting on exactly one of each line per event. */
function sseEvents(text: string): Array<{ event: string; data: string }> {
  expect(text.endsWith('\n\n')).toBe(true);
  return text
    .slice(0, -2)
    .split('\n\n')
    .map((frame) => {
      const match = /^event: ([^\n]*)\ndata: ([^\n]*)$/.exec(frame);
      if (match === null) throw new Error(`Malformed SSE frame: ${JSON.stringify(frame)}`);
      return { event: match[1], data: match[2] };
    });
}

const messagesRequest = {
  model: 'claude-test',
  max_tokens: 64,
  system: 'Be  brief.',
  messages: [
    { role: 'user', content: 'say hi please' },
    { role: 'assistant', content: [{ type: 'text', text: 'hi' }] },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'again now' },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } },
      ],
    },
  ],
};
// System 2 words, messages 3 + 1 + 2 words, plus 3 per message.
const inputTokens = 2 + 6 + 3 * 3;

const usage = (input: number, output: number): Record<string, number> => ({
  input_tokens: input,
  output_tokens: output,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
});

describe('FakeProvider, Anthropic Messages defaults', () => {
  let provider: FakeProvider;

  beforeEach(async () => {
    provider = await FakeProvider.start({ name: 'alpha' });
  });

  afterEach(async () => {
    await provider.close();
  });

  it('answers /v1/messages with a deterministic Message, with ids counted apart from chat completions', async () => {
    const chat = await post(provider, '/v1/chat/completions', { model: 'm', messages: [] });
    expect(await chat.json()).toMatchObject({ id: 'chatcmpl-fake-1' });

    const response = await post(provider, '/v1/messages', messagesRequest);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.text()).toBe(
      JSON.stringify({
        id: 'msg_fake_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-test',
        content: [{ type: 'text', text: 'Hello from alpha' }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: usage(inputTokens, 4),
      }),
    );

    const second = await post(provider, '/anthropic/v1/messages?beta=true', messagesRequest);
    expect(await second.json()).toMatchObject({ id: 'msg_fake_2' });
    const chatAgain = await post(provider, '/v1/chat/completions', { model: 'm', messages: [] });
    expect(await chatAgain.json()).toMatchObject({ id: 'chatcmpl-fake-2' });
    expect(provider.received[1].json).toEqual(messagesRequest);
  });

  it('streams Anthropic named events in order', async () => {
    const response = await post(provider, '/anthropic/v1/messages', { ...messagesRequest, stream: true });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const event = (payload: Record<string, unknown>): { event: string; data: string } => ({
      event: String(payload.type),
      data: JSON.stringify(payload),
    });
    const delta = (text: string): { event: string; data: string } =>
      event({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } });
    expect(sseEvents(await response.text())).toEqual([
      event({
        type: 'message_start',
        message: {
          id: 'msg_fake_1',
          type: 'message',
          role: 'assistant',
          model: 'claude-test',
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: usage(inputTokens, 1),
        },
      }),
      event({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
      { event: 'ping', data: '{"type": "ping"}' },
      delta('Hello'),
      delta(' from'),
      delta(' alpha'),
      event({ type: 'content_block_stop', index: 0 }),
      event({
        type: 'message_delta',
        delta: { stop_reason: 'end_turn', stop_sequence: null },
        usage: { output_tokens: 4 },
      }),
      event({ type: 'message_stop' }),
    ]);
    expect(provider.eventSentAt).toHaveLength(9);
  });

  it('counts input tokens with system as a string, as text blocks, and absent', async () => {
    const inputOf = async (body: Record<string, unknown>): Promise<number> => {
      const response = await post(provider, '/v1/messages', { model: 'c', max_tokens: 8, ...body });
      return ((await response.json()) as { usage: { input_tokens: number } }).usage.input_tokens;
    };
    const messages = [{ role: 'user', content: 'hi there' }];
    expect(await inputOf({ messages })).toBe(2 + 3);
    expect(await inputOf({ system: ' one  two three ', messages })).toBe(3 + 2 + 3);
    const blocks = [
      { type: 'text', text: 'one two', cache_control: { type: 'ephemeral' } },
      { type: 'text', text: 'three' },
    ];
    expect(await inputOf({ system: blocks, messages })).toBe(3 + 2 + 3);
    expect(await inputOf({ messages: [] })).toBe(0);
  });

  it('answers 400 in Anthropic error shape for missing max_tokens or messages and malformed JSON', async () => {
    const expectError = async (body: unknown, message: string): Promise<void> => {
      const response = await post(provider, '/v1/messages', body);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(await response.text()).toBe(
        JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message } }),
      );
    };
    await expectError({ model: 'c', messages: messagesRequest.messages }, 'max_tokens: Field required');
    await expectError({ model: 'c', max_tokens: 8 }, 'messages: Field required');
    await expectError('{"model":', 'There was an issue with the request body: expected a JSON object.');
    expect(provider.received).toHaveLength(3);
    expect(provider.received[2].json).toBeUndefined();
  });
});
