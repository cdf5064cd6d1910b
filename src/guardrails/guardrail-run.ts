import { withBody } from '../api/client-request';
import type { ClientApi, ClientRequest } from '../api/client-request';
import type { ErrorShape } from '../api/error-shape';
import { GatewayError } from '../errors';
import type { Logger } from '../telemetry/logger';
import type { GatewayMetrics } from '../telemetry/metrics';
import type { RuntimePolicy, RuntimeWebhook } from './policy';
import { RedactionSession, redact } from './scanner';
import type { Direction, Finding, GuardrailAction, RuleSet } from './scanner';
import { StreamGuard } from './stream-guard';
import { TextChannel } from './text-channel';
import { logprobsRefusal } from './logprobs';
import { tokenIdRefusal } from './token-id-input';
import { mapRequestTexts } from './request-texts';
import { mapDecoded, mapText } from './json-text';
import { mapResponseTexts } from './response-texts';
import type { TextFn } from './response-texts';
import { callWebhook } from './webhook';
import type { WebhookContext } from './webhook';

/** What a guardrail run needs from the gateway. */
export interface GuardrailServices {
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
}

/**
 * One request's guardrails under its policy: checks and redacts the request, the response
 * (whole or streamed), calls webhooks, and counts every action (in metrics, and in a summary
 * for the access log) without ever keeping the matched text.
 */
export class GuardrailRun {
  private readonly session = new RedactionSession();
  private readonly counts = new Map<string, number>();

  constructor(
    readonly policy: RuntimePolicy,
    private readonly context: WebhookContext,
    private readonly services: GuardrailServices,
  ) {}

  /** The request with its texts checked (and redacted); throws a GatewayError when blocked. */
  async checkRequest(request: ClientRequest): Promise<ClientRequest> {
    const refused = logprobsRefusal(this.policy, request) ?? tokenIdRefusal(this.policy, request);
    if (refused) throw refused;
    let body = request.body as Record<string, unknown>;
    const rules = this.policy.rules.request;
    if (rules) {
      this.checkSize(mapRequestTexts, request.api, body, 'request');
      body = mapRequestTexts(request.api, body, (text) => this.applyWhole('request', text));
    }
    body = await this.runWebhooks('request', request.api, body, mapRequestTexts);
    return body === request.body ? request : withBody(request, body);
  }

  /**
   * A whole response body in the client's API, checked; undefined when unchanged. A body that
   * is not a JSON object (SSE for a non-streamed request, text) is refused with 502 when the
   * policy redacts, blocks or asks a webhook: what it cannot read it does not pass on.
   */
  async checkResponse(api: ClientApi, raw: Buffer): Promise<Buffer | undefined> {
    const parsed = parseJsonBody(raw);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      if (this.guardsResponses) throw unreadableResponse('it is not a JSON object');
      return undefined;
    }
    const original = parsed as Record<string, unknown>;
    let body = original;
    if (this.policy.rules.response) {
      this.checkSize(mapResponseTexts, api, body, 'response');
      // Each text as JSON-aware as a request's (json-text.ts): an answer's JSON text is read decoded.
      body = mapResponseTexts(api, body, (text) => mapText(text, (inner) => this.applyWhole('response', inner)));
    }
    body = await this.runWebhooks('response', api, body, mapResponseTexts);
    return body === original ? undefined : Buffer.from(JSON.stringify(body), 'utf8');
  }

  /**
   * A provider's error body (already in the client's error shape), checked like a response:
   * every string and key in it is text (an error may echo the prompt, or a key). A body that
   * is not JSON is checked as one text. Undefined when unchanged; throws when blocked.
   */
  async checkError(raw: Buffer): Promise<Buffer | undefined> {
    const parsed = parseJsonBody(raw);
    const original: Record<string, unknown> = { body: parsed === undefined ? raw.toString('utf8') : parsed };
    let checked = original;
    if (this.policy.rules.response) {
      this.checkSize(mapErrorTexts, 'openai-chat', checked, 'response');
      checked = mapErrorTexts('openai-chat', checked, (text) => this.applyWhole('response', text));
    }
    checked = await this.runWebhooks('response', 'openai-chat', checked, mapErrorTexts);
    if (checked === original) return undefined;
    return Buffer.from(parsed === undefined ? String(checked.body) : JSON.stringify(checked.body), 'utf8');
  }

  /** Whether this policy changes or refuses responses (a redact or block rule, or a webhook): then an answer it cannot read is refused. */
  get guardsResponses(): boolean {
    return this.policy.rules.response?.rules.some((rule) => rule.action !== 'monitor') === true || this.policy.webhooks.response.length > 0;
  }

  /** The 502 for an answer the response guardrails cannot read, saying why. */
  unreadable(why: string): GatewayError {
    return unreadableResponse(why);
  }

  /** Whether anything of this policy reads responses (rules or webhooks). */
  get readsResponses(): boolean {
    return this.policy.rules.response !== undefined || this.policy.webhooks.response.length > 0;
  }

  /** A guard for a streamed response, or undefined when no rule reads responses. */
  streamGuard(api: ClientApi, shape: ErrorShape): StreamGuard | undefined {
    const rules = this.policy.rules.response;
    if (!rules) return undefined;
    return new StreamGuard(api, {
      channel: (observe) =>
        new TextChannel(rules, this.session, (findings) => {
          observe?.(findings);
          this.act('response', findings);
        }),
      recheck: (text) => this.recheck(rules, text),
      blockedEvent: (error) => blockedEvent(api, shape, error),
      // What the guard cannot read ends the stream under a policy that changes or refuses text.
      ...(this.guardsResponses
        ? {
            unreadable: (why: string) => {
              throw unreadableResponse(why);
            },
          }
        : {}),
    });
  }

  /** Counts by `direction:detector:action`, for spans and the audit log. */
  actions(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  /** `direction:detector:action=count` pairs for the access log; '' when nothing was found. */
  summary(): string {
    return [...this.counts].map(([key, count]) => `${key}=${count}`).join(';');
  }

  /** Findings of one whole text: counted, then a block throws, then redactions are applied. */
  private applyWhole(direction: Direction, text: string): string {
    const rules = this.policy.rules[direction];
    if (!rules) return text;
    const findings = rules.find(text);
    if (findings.length === 0) return text;
    this.act(direction, findings);
    return redact(text, findings, this.session);
  }

  /**
   * A whole text already checked in a stream's deltas (the texts repeated in closing events):
   * redacted without counting again; a blocking match still blocks (the text may not have come
   * in deltas at all).
   */
  private recheck(rules: RuleSet, text: string): string {
    const findings = rules.find(text);
    if (findings.length === 0) return text;
    const block = findings.find((finding) => finding.rule.action === 'block');
    if (block) throw this.blocked('response', `detector "${block.rule.detector.name}" matched`);
    return redact(text, findings, this.session);
  }

  /** Counts findings; throws the block error when one of them blocks. */
  private act(direction: Direction, findings: readonly Finding[]): void {
    for (const finding of findings) this.count(direction, finding.rule.detector.name, finding.rule.action);
    const block = findings.find((finding) => finding.rule.action === 'block');
    if (block) throw this.blocked(direction, `detector "${block.rule.detector.name}" matched`);
  }

  private count(direction: Direction, detector: string, action: GuardrailAction): void {
    const key = `${direction}:${detector}:${action}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    this.services.metrics.guardrailActions.inc({ guardrail: this.policy.name, detector, action, direction });
  }

  private blocked(direction: Direction, why: string): GatewayError {
    return new GatewayError(
      this.policy.blockStatus,
      'invalid_request_error',
      'guardrail_blocked',
      `The ${direction} was blocked by guardrail policy "${this.policy.name}": ${why}.`,
    );
  }

  /** Texts too large to check in bounded time are refused rather than let through unchecked. */
  private checkSize(map: typeof mapRequestTexts, api: ClientApi, body: Record<string, unknown>, direction: Direction): void {
    let bytes = 0;
    map(api, body, (text) => {
      bytes += Buffer.byteLength(text, 'utf8');
      return text;
    });
    if (bytes > this.policy.maxTextBytes) {
      throw new GatewayError(413, 'invalid_request_error', 'guardrail_input_too_large', `The ${direction} has ${bytes} bytes of text; guardrails check at most ${this.policy.maxTextBytes}.`);
    }
  }

  private async runWebhooks(direction: Direction, api: ClientApi, body: Record<string, unknown>, map: typeof mapRequestTexts): Promise<Record<string, unknown>> {
    let current = body;
    for (const webhook of this.policy.webhooks[direction]) {
      const texts: string[] = [];
      map(api, current, (text) => {
        texts.push(text);
        return text;
      });
      if (texts.length === 0) continue;
      const replacement = await this.callOne(webhook, direction, texts);
      if (!replacement) continue;
      let index = 0;
      current = map(api, current, (text) => replacement[index++] ?? text);
    }
    return current;
  }

  /** One webhook: replacements for the texts, undefined to leave them, or a thrown block. */
  private async callOne(webhook: RuntimeWebhook, direction: Direction, texts: string[]): Promise<Array<string | null> | undefined> {
    const started = process.hrtime.bigint();
    const outcome = await callWebhook(webhook, direction, texts, this.context);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const metrics = this.services.metrics;
    const detector = `webhook:${webhook.name}`;
    if (!outcome.ok) {
      const allowed = webhook.failMode === 'open';
      metrics.guardrailWebhookDuration.observe({ webhook: webhook.name, direction, outcome: outcome.failure }, seconds);
      metrics.guardrailWebhookFailures.inc({ webhook: webhook.name, reason: outcome.failure, result: allowed ? 'allowed' : 'refused' });
      this.services.logger.warn('guardrail webhook failed', { webhook: webhook.name, requestId: this.context.requestId, reason: outcome.failure, detail: outcome.detail, failMode: webhook.failMode });
      if (allowed) return undefined;
      throw new GatewayError(503, 'server_error', 'guardrail_unavailable', `The ${direction} could not be checked: guardrail webhook "${webhook.name}" failed (${outcome.failure}) and this policy refuses unchecked text.`);
    }
    const verdict = outcome.verdict;
    metrics.guardrailWebhookDuration.observe({ webhook: webhook.name, direction, outcome: verdict.action }, seconds);
    if (verdict.action === 'allow') return undefined;
    this.count(direction, detector, verdict.action);
    if (verdict.action === 'block') throw this.blocked(direction, `webhook "${webhook.name}" refused it${verdict.reason ? ` (${verdict.reason})` : ''}`);
    return [...verdict.texts];
  }
}

/** A UTF-8 byte order mark: JSON forbids it, clients' decoders drop it. */
const BYTE_ORDER_MARK = '\uFEFF';

/** A JSON body as a client's decoder reads it (a leading byte order mark dropped); undefined when it is not JSON. */
function parseJsonBody(raw: Buffer): unknown {
  let text = raw.toString('utf8');
  if (text.startsWith(BYTE_ORDER_MARK)) text = text.slice(1);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Every string and key of an error body (held as `body`: its JSON, or its text when it is not JSON); the API does not matter. */
function mapErrorTexts(_api: ClientApi, holder: Record<string, unknown>, fn: TextFn): Record<string, unknown> {
  const body = mapDecoded(holder.body, fn);
  return body === holder.body ? holder : { body };
}

function unreadableResponse(why: string): GatewayError {
  return new GatewayError(
    502,
    'server_error',
    'guardrail_unreadable_response',
    `The provider's answer could not be checked by the response guardrails (${why}); this policy does not pass on what it cannot check.`,
  );
}

/** The last event of a blocked stream, in the client's streaming format. */
export function blockedEvent(api: ClientApi, shape: ErrorShape, error: Error): string {
  const message = error instanceof GatewayError ? error.message : 'The response was blocked by a guardrail.';
  const code = error instanceof GatewayError ? (error.code ?? 'guardrail_blocked') : 'guardrail_blocked';
  if (shape === 'anthropic') return `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message } })}\n\n`;
  if (api === 'openai-responses') return `event: error\ndata: ${JSON.stringify({ type: 'error', code, message, param: null })}\n\n`;
  return `data: ${JSON.stringify({ error: { message, type: 'invalid_request_error', param: null, code } })}\n\n`;
}

