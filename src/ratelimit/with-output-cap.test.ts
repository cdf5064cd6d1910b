import { GatewayError } from '../errors';
import { clientRequest, configWith } from './__fixtures__/backends';
import { withOutputCap, withReservedOutputCap } from './with-output-cap';

const MESSAGES = [{ role: 'user', content: 'x' }];
const TOKENS = { descriptors: [{ key: 'metric', value: 'tokens', descriptors: [{ key: 'team', rate_limit: { unit: 'minute', requests_per_unit: 1000 } }] }] };

describe('the reserved output cap, set on requests that name none', () => {
  test('each API gets its own field, with the cap recorded for the warning; the client’s bytes follow', () => {
    const chat = withOutputCap(clientRequest('openai-chat', { messages: MESSAGES }), 4096);
    expect(chat.body.max_completion_tokens).toBe(4096);
    expect(chat.gatewayOutputCap).toBe(4096);
    expect(JSON.parse(chat.rawBody.toString())).toMatchObject({ max_completion_tokens: 4096 });
    const responses = withOutputCap(clientRequest('openai-responses', { input: 'x' }), 512);
    expect(responses.body.max_output_tokens).toBe(512);
    expect(responses.gatewayOutputCap).toBe(512);
  });

  test('a request with its own cap, an Anthropic request (max_tokens is required) and embeddings stay as they are', () => {
    for (const request of [
      clientRequest('openai-chat', { messages: MESSAGES, max_tokens: 10 }),
      clientRequest('openai-chat', { messages: MESSAGES, max_completion_tokens: 10 }),
      clientRequest('openai-responses', { input: 'x', max_output_tokens: 10 }),
      clientRequest('anthropic-messages', { messages: MESSAGES, max_tokens: 10 }),
      clientRequest('openai-embeddings', { input: 'x' }),
    ]) {
      expect(withOutputCap(request, 4096)).toBe(request);
    }
  });

  test('set when token or dollar limits reserve usage and enforceOutputCap is on (the default)', () => {
    const request = clientRequest('openai-chat', { messages: MESSAGES });
    expect(withReservedOutputCap(configWith({ ...TOKENS, defaultOutputTokens: 900 }), request).body.max_completion_tokens).toBe(900);
    const budgets = configWith({ budgets: [{ per: 'team', usd: 10, window: 'day' }] });
    expect(withReservedOutputCap(budgets, request).gatewayOutputCap).toBe(4096);
    // Off, or nothing reserved (no limits, request counts only): the request as sent.
    expect(withReservedOutputCap(configWith({ ...TOKENS, enforceOutputCap: false }), request)).toBe(request);
    expect(withReservedOutputCap(configWith(), request)).toBe(request);
    const requestsOnly = { descriptors: [{ key: 'metric', value: 'requests', descriptors: [{ key: 'team', rate_limit: { unit: 'minute', requests_per_unit: 10 } }] }] };
    expect(withReservedOutputCap(configWith(requestsOnly), request)).toBe(request);
  });

  test('a cap or n that is not a positive integer is refused while limits reserve usage: a lenient server could read it as a cap never reserved', () => {
    const config = configWith(TOKENS);
    for (const [field, value] of [['max_tokens', '100000'], ['max_completion_tokens', -1], ['max_tokens', 1.5], ['n', '5']] as const) {
      const request = clientRequest('openai-chat', { messages: MESSAGES, [field]: value });
      expect(() => withReservedOutputCap(config, request)).toThrow(GatewayError);
      expect(() => withReservedOutputCap(config, request)).toThrow(`${field} must be a positive integer.`);
    }
    expect(() => withReservedOutputCap(config, clientRequest('openai-responses', { input: 'x', max_output_tokens: 0 }))).toThrow('max_output_tokens must be a positive integer.');
    // null is "not set", as in the providers' APIs.
    expect(withReservedOutputCap(config, clientRequest('openai-chat', { messages: MESSAGES, max_tokens: null })).body.max_completion_tokens).toBe(4096);
  });
});
