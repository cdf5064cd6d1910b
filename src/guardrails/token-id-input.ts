import type { ClientRequest } from '../api/client-request';
import { invalidRequest } from '../errors';
import type { GatewayError } from '../errors';
import type { RuntimePolicy } from './policy';

/** The field that may carry token ids instead of text: embeddings `input`, legacy completions `prompt`. */
function tokenIdField(request: ClientRequest): 'input' | 'prompt' | undefined {
  const field = request.api === 'openai-embeddings' ? 'input' : request.api === 'openai-completions' ? 'prompt' : undefined;
  if (field === undefined) return undefined;
  const value = request.body[field];
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const ids = (item: unknown): boolean => typeof item === 'number' || (Array.isArray(item) && item.some((id) => typeof id === 'number'));
  return value.some(ids) ? field : undefined;
}

/** Whether the policy may change or refuse request text (a redact or block rule, or a webhook). */
function guardsRequestText(policy: RuntimePolicy): boolean {
  const rules = policy.rules.request?.rules ?? [];
  return policy.webhooks.request.length > 0 || rules.some((rule) => rule.action !== 'monitor');
}

/**
 * Token ids are text no rule can read: under a policy that redacts or blocks request text (or
 * asks a webhook), a prompt or input sent as token ids would pass unchecked, so it is refused
 * in the client's shape before anything reaches a provider. Undefined when the request may go on.
 */
export function tokenIdRefusal(policy: RuntimePolicy, request: ClientRequest): GatewayError | undefined {
  const field = tokenIdField(request);
  if (field === undefined || !guardsRequestText(policy)) return undefined;
  return invalidRequest(
    `Token ids in ${field} are not accepted under guardrail policy "${policy.name}": it checks text, and token ids carry none it can read. Send the text instead.`,
    field,
    'guardrail_token_ids_refused',
  );
}
