import type { ClientApi, ClientRequest } from '../api/client-request';
import { BUILTIN_DETECTORS } from './builtin-detectors';
import { logprobsRefusal } from './logprobs';
import type { RuntimePolicy } from './policy';
import { RuleSet } from './scanner';
import type { GuardrailAction } from './scanner';

function policy(action: GuardrailAction | undefined, webhooks = 0): RuntimePolicy {
  const rules = action ? new RuleSet([{ detector: BUILTIN_DETECTORS.get('email')!, action }]) : undefined;
  const webhook = { name: 'w', url: 'http://w', timeoutMs: 1, failMode: 'closed' as const };
  return { name: 'p', rules: { request: undefined, response: rules }, webhooks: { request: [], response: Array(webhooks).fill(webhook) }, blockStatus: 400, maxTextBytes: 1 << 20 };
}

const request = (api: ClientApi, body: Record<string, unknown>): ClientRequest => ({ api, model: 'm', stream: false, clientWantsStreamUsage: false, body, rawBody: Buffer.alloc(0) });

describe('logprobsRefusal', () => {
  it('refuses log probabilities under a policy that redacts or blocks responses, naming the field', () => {
    const cases: Array<[ClientApi, Record<string, unknown>, string]> = [
      ['openai-chat', { logprobs: true }, 'logprobs'],
      ['openai-chat', { top_logprobs: 3 }, 'top_logprobs'],
      ['openai-responses', { include: ['message.output_text.logprobs'] }, 'include'],
      ['openai-responses', { top_logprobs: 2 }, 'top_logprobs'],
    ];
    for (const [api, body, param] of cases) {
      for (const action of ['redact', 'block'] as const) {
        const error = logprobsRefusal(policy(action), request(api, body));
        expect({ status: error?.status, code: error?.code, param: error?.param, message: error?.message }).toEqual({
          status: 400,
          code: 'guardrail_logprobs_refused',
          param,
          message: 'Log probabilities are not available under guardrail policy "p": their token texts would show what the policy redacts or blocks in responses.',
        });
      }
    }
    expect(logprobsRefusal(policy(undefined, 1), request('openai-chat', { logprobs: true }))?.code).toBe('guardrail_logprobs_refused');
  });

  it('lets them through when the policy only monitors responses, or they are not asked for', () => {
    expect(logprobsRefusal(policy('monitor'), request('openai-chat', { logprobs: true }))).toBeUndefined();
    expect(logprobsRefusal(policy(undefined), request('openai-chat', { logprobs: true }))).toBeUndefined();
    expect(logprobsRefusal(policy('redact'), request('openai-chat', { logprobs: false, top_logprobs: 0 }))).toBeUndefined();
    expect(logprobsRefusal(policy('redact'), request('openai-responses', { include: ['reasoning.encrypted_content'] }))).toBeUndefined();
  });
});
