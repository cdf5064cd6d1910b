import type { RuntimeWebhook } from './policy';
import type { Direction } from './scanner';

/**
 * Webhook guardrails. The gateway POSTs the texts of a request (or of a whole response) with
 * who sent them; the webhook answers:
 *   {"action": "allow"}
 *   {"action": "redact", "texts": [ …one per text sent, null for unchanged… ]}
 *   {"action": "block", "reason": "…"}
 * A timeout, a non-2xx status (a redirect included) or an answer of any other shape is a failure: the policy's
 * failMode then lets the text through (open) or refuses it (closed).
 */

/** Who and what the texts belong to, sent with them. */
export interface WebhookContext {
  readonly requestId: string;
  readonly caller: string;
  readonly team: string;
  readonly project: string;
  readonly model: string;
  readonly api: string;
  readonly policy: string;
}

export type WebhookVerdict =
  | { readonly action: 'allow' }
  | { readonly action: 'redact'; readonly texts: ReadonlyArray<string | null> }
  | { readonly action: 'block'; readonly reason?: string };

/** Why a call failed, as a bounded metric label. */
export type WebhookFailure = 'timeout' | 'network' | 'status' | 'invalid_answer';

export type WebhookOutcome = { readonly ok: true; readonly verdict: WebhookVerdict } | { readonly ok: false; readonly failure: WebhookFailure; readonly detail: string };

/** Reads an answer; undefined when it is not one of the three shapes (or the texts do not line up). */
export function parseVerdict(answer: unknown, sent: number): WebhookVerdict | undefined {
  if (typeof answer !== 'object' || answer === null) return undefined;
  const { action, texts, reason } = answer as Record<string, unknown>;
  if (action === 'allow') return { action };
  if (action === 'block') return { action, reason: typeof reason === 'string' ? reason.slice(0, 500) : undefined };
  if (action === 'redact' && Array.isArray(texts) && texts.length === sent && texts.every((t) => t === null || typeof t === 'string')) {
    return { action, texts: texts as Array<string | null> };
  }
  return undefined;
}

/** One call; never throws. */
export async function callWebhook(webhook: RuntimeWebhook, direction: Direction, texts: readonly string[], context: WebhookContext): Promise<WebhookOutcome> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (webhook.credential) headers[webhook.credential.header] = webhook.credential.prefix + webhook.credential.secret.reveal();
  const body = JSON.stringify({
    direction,
    request_id: context.requestId,
    caller: context.caller,
    team: context.team,
    project: context.project,
    model: context.model,
    api: context.api,
    policy: context.policy,
    texts,
  });
  let response: Response;
  try {
    // A redirect is not followed (fetch would repeat the call as a GET elsewhere and take that
    // answer as the verdict): a 3xx is a failure like any other status.
    response = await fetch(webhook.url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(webhook.timeoutMs) });
  } catch (error) {
    const name = (error as Error).name;
    return name === 'TimeoutError' || name === 'AbortError'
      ? { ok: false, failure: 'timeout', detail: `no answer within ${webhook.timeoutMs} ms` }
      : { ok: false, failure: 'network', detail: (error as Error).message };
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    const name = (error as Error).name;
    return { ok: false, failure: name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network', detail: 'the answer did not arrive whole' };
  }
  if (response.status < 200 || response.status >= 300) return { ok: false, failure: 'status', detail: `status ${response.status}` };
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    return { ok: false, failure: 'invalid_answer', detail: 'the answer is not JSON' };
  }
  const verdict = parseVerdict(answer, texts.length);
  return verdict ? { ok: true, verdict } : { ok: false, failure: 'invalid_answer', detail: 'the answer is not allow, block, or redact with one text per text sent' };
}
