import { parseClientRequest } from '../api/client-request';
import type { ClientApi } from '../api/client-request';
import { entries } from './__fixtures__/backends';
import { countTextTokens, estimateInputTokens, reservationFor } from './estimate';

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

  test('embeddings token-id inputs count one token each', () => {
    expect(estimateInputTokens(request('openai-embeddings', { model: 'e', input: [1, 2, 3, 4] }))).toBe(4);
  });

  test('tool definitions and output schemas count as their whole JSON: the model reads their keys and types too', () => {
    const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
    const chat = request('openai-chat', { model: 'm', messages: [{ role: 'user', content: 'Hello world' }], tools });
    expect(estimateInputTokens(chat)).toBe(countTextTokens(`Hello world\n${JSON.stringify(tools)}`) + 4);
    const format = { type: 'json_schema', json_schema: { name: 'out', schema: { type: 'object' } } };
    const structured = request('openai-chat', { model: 'm', messages: [{ role: 'user', content: 'Hello world' }], response_format: format });
    expect(estimateInputTokens(structured)).toBe(countTextTokens(`Hello world\n${JSON.stringify(format)}`) + 4);
  });

  test('the reservation: prompt with the largest margin, output cap, priced at the dearest input and output prices', () => {
    const chat = request('openai-chat', { model: 'm', max_tokens: 1000, messages: [{ role: 'user', content: 'Hello world' }] });
    // 2 + 4 prompt tokens; o200k is OpenAI's own tokenizer: no margin.
    const price = { input: 2.5, cachedInput: 1.25, cacheWrite: 2.5, output: 10, reasoning: 12 };
    const onOpenAI = { backends: entries('openai'), defaultOutputTokens: 4096, inputMargins: new Map<string, number>(), price };
    expect(reservationFor(chat, onOpenAI)).toEqual({ promptTokens: 6, inputTokens: 6, outputTokens: 1000, tokens: 1006, usdMicros: 15 + 12_000 });
    expect(reservationFor(chat, { ...onOpenAI, price: undefined }).usdMicros).toBe(0);
    // A Claude backend too: 6 × 1.3 rounds up to 8; a cache write (3.75) is the dearest input.
    const withClaude = { ...onOpenAI, backends: entries('openai', 'anthropic'), price: { ...price, cacheWrite: 3.75 } };
    expect(reservationFor(chat, withClaude)).toEqual({ promptTokens: 6, inputTokens: 8, outputTokens: 1000, tokens: 1008, usdMicros: 30 + 12_000 });
  });
});
