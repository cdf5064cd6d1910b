import { clientRequest, configWith } from './__fixtures__/backends';
import { estimateInputTokens } from './estimate';
import { reservationMetadata } from './request-limits';

const MESSAGES = [{ role: 'user', content: 'hello there' }];

describe('reservation metadata', () => {
  const config = configWith({
    costs: { weighted: 'input_tokens + 4 * output_tokens + 10 * reasoning_tokens + 2 * cache_creation_input_tokens' },
    descriptors: [
      { key: 'metric', value: 'tokens', descriptors: [{ key: 'team', rate_limit: { unit: 'minute', requests_per_unit: 1_000_000 } }] },
      { key: 'metric', value: 'weighted', descriptors: [{ key: 'team', rate_limit: { unit: 'minute', requests_per_unit: 1_000_000 } }] },
    ],
  });
  const model = (name: string) => {
    const found = config.models.get(name);
    if (!found) throw new Error(name);
    return found;
  };

  test('tokens: the prompt with the largest margin of the model’s backends, plus the largest cap any sends', () => {
    const request = clientRequest('openai-chat', { messages: MESSAGES, max_completion_tokens: 100, reasoning_effort: 'low' });
    const prompt = estimateInputTokens(request);
    expect(reservationMetadata(config, request, model('on-openai')).reserve_tokens).toBe(prompt + 100);
    expect(reservationMetadata(config, request, model('on-gemini')).reserve_tokens).toBe(Math.ceil(prompt * 1.2) + 100);
    // Claude: 30% on the prompt; Converse raises Claude’s maxTokens above the low thinking budget (1024 + 4096).
    expect(reservationMetadata(config, request, model('everywhere')).reserve_tokens).toBe(Math.ceil(prompt * 1.3) + 1024 + 4096);
  });

  test('a cost formula reserves its largest value over the usages the reservation allows: all output reasoning, all input cache writes', () => {
    const request = clientRequest('openai-chat', { messages: MESSAGES, max_completion_tokens: 100 });
    const input = estimateInputTokens(request);
    expect(reservationMetadata(config, request, model('on-openai')).reserve_cost_weighted).toBe(input + 2 * input + 4 * 100 + 10 * 100);
  });
});
