import type { ClientRequest } from '../api/client-request';
import { invalidRequest } from '../errors';
import type { GatewayError } from '../errors';
import type { RuntimePolicy } from './policy';

/** The Responses API `include` entry that asks for output text log probabilities. */
const RESPONSES_LOGPROBS = 'message.output_text.logprobs';

/** The request field that asks for log probabilities, if any. */
function logprobsField(request: ClientRequest): string | undefined {
  const body = request.body;
  const topLogprobs = typeof body.top_logprobs === 'number' && body.top_logprobs > 0;
  if (request.api === 'openai-chat') {
    if (body.logprobs === true) return 'logprobs';
    return topLogprobs ? 'top_logprobs' : undefined;
  }
  // Legacy completions: `logprobs` is how many to return per token (0 still returns the sampled token's).
  if (request.api === 'openai-completions') return typeof body.logprobs === 'number' ? 'logprobs' : undefined;
  if (request.api === 'openai-responses') {
    if (Array.isArray(body.include) && body.include.includes(RESPONSES_LOGPROBS)) return 'include';
    return topLogprobs ? 'top_logprobs' : undefined;
  }
  return undefined;
}

/** Whether the policy may change or refuse response text (a redact or block rule, or a webhook). */
function guardsResponseText(policy: RuntimePolicy): boolean {
  const rules = policy.rules.response?.rules ?? [];
  return policy.webhooks.response.length > 0 || rules.some((rule) => rule.action !== 'monitor');
}

/**
 * Log probabilities list each output token's text (and `top_logprobs` its alternatives): put
 * together they give back what a redaction took out of the content. Under a policy that
 * redacts or blocks response text they are refused, in the client's shape, before anything
 * reaches a provider. Undefined when the request may go on.
 */
export function logprobsRefusal(policy: RuntimePolicy, request: ClientRequest): GatewayError | undefined {
  const field = logprobsField(request);
  if (field === undefined || !guardsResponseText(policy)) return undefined;
  return invalidRequest(
    `Log probabilities are not available under guardrail policy "${policy.name}": their token texts would show what the policy redacts or blocks in responses.`,
    field,
    'guardrail_logprobs_refused',
  );
}
