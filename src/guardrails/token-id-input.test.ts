import type { ClientApi, ClientRequest } from '../api/client-request';
import { BUILTIN_DETECTORS } from './builtin-detectors';
import type { RuntimePolicy } from './policy';
import { RuleSet } from './scanner';
import type { GuardrailAction } from './scanner';
import { tokenIdRefusal } from './token-id-input';

function policy(action: GuardrailAction | undefined, webhooks = 0): RuntimePolicy {
  const rules = action ? new RuleSet([{ detector: BUILTIN_DETECTORS.get('email')!, action }]) : undefined;
  const webhook = { name: 'w', url: 'http://w', timeoutMs: 1, failMode: 'closed' as const };
  return { name: 'p', rules: { request: rules, response: undefined }, webhooks: { request: Array(webhooks).fill(webhook), response: [] }, blockStatus: 400, maxTextBytes: 1 << 20 };
}

const request = (api: ClientApi, body: Record<string, unknown>): ClientRequest => ({ api, model: 'm', stream: false, clientWantsStreamUsage: false, body, rawBody: Buffer.alloc(0) });

describe('tokenIdRefusal: token ids no rule can read', () => {
  it('refuses token-id prompts and inputs under a policy that redacts or blocks request text, or asks a webhook', () => {
    const cases: Array<[ClientApi, Record<string, unknown>, string]> = [
      ['openai-completions', { prompt: [1212, 318] }, 'prompt'],
      ['openai-completions', { prompt: [[1212], [318]] }, 'prompt'],
      ['openai-embeddings', { input: [1212, 318] }, 'input'],
      ['openai-embeddings', { input: [[1212, 318]] }, 'input'],
    ];
    for (const [api, body, param] of cases) {
      for (const guarded of [policy('redact'), policy('block'), policy(undefined, 1)]) {
        const error = tokenIdRefusal(guarded, request(api, body));
        expect({ status: error?.status, code: error?.code, param: error?.param, message: error?.message }).toEqual({
          status: 400,
          code: 'guardrail_token_ids_refused',
          param,
          message: `Token ids in ${param} are not accepted under guardrail policy "p": it checks text, and token ids carry none it can read. Send the text instead.`,
        });
      }
    }
  });

  it('lets text through, token ids under a monitoring or response-only policy, and other APIs', () => {
    expect(tokenIdRefusal(policy('redact'), request('openai-completions', { prompt: 'hi' }))).toBeUndefined();
    expect(tokenIdRefusal(policy('redact'), request('openai-embeddings', { input: ['a', 'b'] }))).toBeUndefined();
    expect(tokenIdRefusal(policy('monitor'), request('openai-completions', { prompt: [1, 2] }))).toBeUndefined();
    expect(tokenIdRefusal(policy(undefined), request('openai-embeddings', { input: [1, 2] }))).toBeUndefined();
    expect(tokenIdRefusal(policy('block'), request('openai-chat', { messages: [{ role: 'user', content: 'x' }], input: [1] }))).toBeUndefined();
  });
});
