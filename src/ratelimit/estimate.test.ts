import { parseClientRequest } from '../api/client-request';
import type { ClientApi } from '../api/client-request';
import { estimateInputTokens, outputCap, reservationFor } from './estimate';

const request = (api: ClientApi, body: Record<string, unknown>) => parseClientRequest(api, Buffer.from(JSON.stringify(body)));

describe('reservation estimates', () => {
  test('prompt text is tokenized; roles, ids and options are not; each message adds framing', () => {
    const chat = request('openai-chat', {
      model: 'gpt-4o',
      temperature: 0.2,
      max_tokens: 100,
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: [{ type: 'text', text: 'Hello world' }] },
      ],
    });
    // "You are terse.\nHello world" is 6 o200k tokens; two messages add 4 each.
    expect(estimateInputTokens(chat)).toBe(6 + 8);
  });

  test('inline images count a fixed amount instead of their base64 bytes; special-token text does not throw', () => {
    const chat = request('openai-chat', {
      model: 'm',
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${'A'.repeat(50_000)}` } }, { type: 'text', text: '<|endoftext|>' }] }],
    });
    expect(estimateInputTokens(chat)).toBe(1600 + 4 + 7);
  });

  test('embeddings token-id inputs count one token each and reserve no output', () => {
    const embeddings = request('openai-embeddings', { model: 'e', input: [1, 2, 3, 4] });
    expect(estimateInputTokens(embeddings)).toBe(4);
    expect(outputCap(embeddings, 4096)).toBe(0);
  });

  test('the output cap is the request’s own (any of its names) times n, else the default', () => {
    expect(outputCap(request('openai-chat', { model: 'm', messages: [{ role: 'user', content: 'x' }], max_completion_tokens: 300, max_tokens: 50, n: 2 }), 4096)).toBe(600);
    expect(outputCap(request('anthropic-messages', { model: 'm', messages: [{ role: 'user', content: 'x' }], max_tokens: 1024 }), 4096)).toBe(1024);
    expect(outputCap(request('openai-responses', { model: 'm', input: 'x', max_output_tokens: 77 }), 4096)).toBe(77);
    expect(outputCap(request('openai-chat', { model: 'm', messages: [{ role: 'user', content: 'x' }] }), 4096)).toBe(4096);
  });

  test('the reservation prices input and output at the given price, in micro-dollars', () => {
    const chat = request('openai-chat', { model: 'm', max_tokens: 1000, messages: [{ role: 'user', content: 'Hello world' }] });
    const reservation = reservationFor(chat, 4096, { input: 2.5, cachedInput: 1.25, cacheWrite: 2.5, output: 10, reasoning: 12 });
    expect(reservation).toEqual({ inputTokens: 6, outputTokens: 1000, tokens: 1006, usdMicros: 15 + 12_000 });
    expect(reservationFor(chat, 4096, undefined).usdMicros).toBe(0);
  });
});
