import { validateConfig } from '../config/load';
import { compileConfig } from '../config/runtime';
import type { TokenUsage } from '../providers/usage';
import type { RequestEnd } from './usage-at-end';
import { usageAtEnd, usedAmounts } from './usage-at-end';

const RESERVATION = { inputTokens: 40, outputTokens: 500 };
const USAGE: TokenUsage = { inputTokens: 37, outputTokens: 120, cachedInputTokens: 10, cacheCreationInputTokens: 0, reasoningTokens: 30, totalTokens: 157 };
const end = (fields: Partial<RequestEnd>): RequestEnd => ({ status: 200, usage: undefined, stream: true, reservation: RESERVATION, outputSeen: 0, ...fields });
const usage = (inputTokens: number, outputTokens: number, extra: Partial<TokenUsage> = {}): TokenUsage => ({
  inputTokens,
  outputTokens,
  cachedInputTokens: 0,
  cacheCreationInputTokens: 0,
  reasoningTokens: 0,
  totalTokens: inputTokens + outputTokens,
  ...extra,
});

describe('what a request is charged when it ends', () => {
  test.each<[string, Partial<RequestEnd>, ReturnType<typeof usageAtEnd>]>([
    ['a success with usage: the usage', { finished: { status: 200, usage: USAGE } }, USAGE],
    ['a success without usage: the whole reservation', { finished: { status: 200, usage: undefined } }, 'reserved'],
    ['an error response: nothing', { finished: { status: 429, usage: undefined }, status: 429 }, 'nothing'],
    ['an error response cut short: nothing', { status: 503 }, 'nothing'],
    ['a stream cut before any usage: the prompt estimate and the output seen', { outputSeen: 12 }, usage(40, 12)],
    ['cut before any response (client gone, Envoy-made 5xx): the prompt estimate', { status: 0, outputSeen: 0 }, usage(40, 0)],
    ['a stream cut after partial usage (Anthropic message_start): its prompt and the larger output', { usage: usage(37, 1, { cachedInputTokens: 10 }), outputSeen: 12 }, usage(37, 12, { cachedInputTokens: 10 })],
    ['a stream cut after its final usage: that usage', { usage: USAGE, outputSeen: 100 }, USAGE],
    ['a non-streamed success cut after its headers: generated whole, so the output cap', { stream: false }, usage(40, 500)],
  ])('%s', (_name, fields, expected) => {
    expect(usageAtEnd(end(fields))).toEqual(expected);
  });

  test('usage in each metric: tokens, micro-dollars at the answering backend, cost formulas', () => {
    const config = compileConfig(
      validateConfig({
        backends: [{ name: 'b', kind: 'openai', baseUrl: 'https://api.example.com/v1' }],
        models: [{ name: 'm', backends: [{ backend: 'b' }] }],
        prices: [{ model: 'm', input: 2, output: 10 }],
        rateLimits: { costs: { weighted: 'input_tokens + 4 * output_tokens' }, budgets: [{ per: 'team', usd: 5, window: 'day' }] },
      }),
      {},
    );
    expect(usedAmounts(config, 'm', 'b', usage(100, 10))).toEqual({ tokens: 110, usdMicros: 300, costs: { weighted: 140 } });
    expect(usedAmounts(config, 'unpriced', undefined, usage(100, 10)).usdMicros).toBe(0);
  });
});
