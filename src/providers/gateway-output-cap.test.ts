import { clientRequest, configWith } from '../ratelimit/__fixtures__/backends';
import type { BackendName } from '../ratelimit/__fixtures__/backends';
import { withOutputCap } from '../ratelimit/with-output-cap';
import { gatewayOutputCapFor, takesMaxCompletionTokens } from './gateway-output-cap';
import { createTranslator } from './registry';

const config = configWith();
const backend = (name: BackendName) => {
  const found = config.backends.get(name);
  if (!found) throw new Error(name);
  return found;
};
const MESSAGES = [{ role: 'user', content: 'x' }];
const capped = withOutputCap(clientRequest('openai-chat', { messages: MESSAGES }), 4096);

describe('an output cap aigw set, per attempt', () => {
  test('max_completion_tokens only for backends known to take it: OpenAI, Azure from 2024-09-01, Groq', () => {
    expect(['openai', 'openai-eu', 'groq', 'azure', 'azure-v1'].map((name) => takesMaxCompletionTokens(backend(name as BackendName)))).toEqual([true, true, true, true, true]);
    expect(['local', 'azure-old', 'anthropic'].map((name) => takesMaxCompletionTokens(backend(name as BackendName)))).toEqual([false, false, false]);
  });

  test('a pass-through backend that reads max_tokens gets the cap there, and the warning names the field that was set', () => {
    const local = gatewayOutputCapFor(capped, backend('local'));
    expect(local?.request.body).toMatchObject({ max_tokens: 4096 });
    expect(local?.request.body).not.toHaveProperty('max_completion_tokens');
    expect(local?.warning).toBe('set max_tokens to 4096: the request named no output cap and rate limits reserve one (rateLimits.enforceOutputCap)');
    const openai = gatewayOutputCapFor(capped, backend('openai'));
    expect(openai?.request).toBe(capped);
    expect(openai?.warning).toMatch(/^set max_completion_tokens to 4096: /);
    const responses = withOutputCap(clientRequest('openai-responses', { input: 'x' }), 512);
    expect(gatewayOutputCapFor(responses, backend('local'))?.warning).toMatch(/^set max_output_tokens to 512: /);
    // A client's own cap is the client's: nothing to say.
    expect(gatewayOutputCapFor(clientRequest('openai-chat', { messages: MESSAGES, max_completion_tokens: 5 }), backend('local'))).toBeUndefined();
  });

  test('each backend’s translation sends the cap in its own field, and every attempt warns', async () => {
    const sent = async (name: BackendName): Promise<{ body: Record<string, unknown>; warnings: readonly string[] }> => {
      const translator = createTranslator(capped, { backend: backend(name) });
      const upstream = await translator.requestBody();
      return { body: JSON.parse(upstream.body.toString()) as Record<string, unknown>, warnings: translator.warnings };
    };
    const local = await sent('local');
    expect(local.body).toMatchObject({ max_tokens: 4096 });
    expect(local.warnings).toEqual([expect.stringMatching(/^set max_tokens to 4096: /)]);
    expect((await sent('openai')).body).toMatchObject({ max_completion_tokens: 4096 });
    const anthropic = await sent('anthropic');
    expect(anthropic.body).toMatchObject({ max_tokens: 4096 });
    expect(anthropic.warnings).toEqual([expect.stringMatching(/^set max_completion_tokens to 4096: /)]);
    expect((await sent('gemini')).body).toMatchObject({ generationConfig: { maxOutputTokens: 4096 } });
  });
});
