import { withBody } from '../api/client-request';
import type { ClientApi, ClientRequest } from '../api/client-request';
import type { ErrorShape } from '../api/error-shape';
import { GatewayError } from '../errors';
import type { Logger } from '../telemetry/logger';
import type { GatewayMetrics } from '../telemetry/metrics';
import type { RuntimePolicy, RuntimeWebhook } from './policy';
import { RedactionSession, redact } from './scanner';
import type { Direction, Finding, GuardrailAction } from './scanner';
import { StreamGuard } from './stream-guard';
import { TextChannel } from './text-channel';
import { mapRequestTexts } from './request-texts';
import { mapResponseTexts } from './texts';
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
    let body = request.body as Record<string, unknown>;
    const rules = this.policy.rules.request;
    if (rules) {
      this.checkSize(mapRequestTexts, request.api, body, 'request');
      body = mapRequestTexts(request.api, body, (text) => this.applyWhole('request', text));
    }
    body = await this.runWebhooks('request', request.api, body, mapRequestTexts);
    return body === request.body ? request : withBody(request, body);
  }

  /** A whole response body in the client's API, checked; undefined when unchanged. */
  async checkResponse(api: ClientApi, raw: Buffer): Promise<Buffer | undefined> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      return undefined; // not JSON: nothing the client reads as text
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    const original = parsed as Record<string, unknown>;
    let body = original;
    if (this.policy.rules.response) {
      this.checkSize(mapResponseTexts, api, body, 'response');
      body = mapResponseTexts(api, body, (text) => this.applyWhole('response', text));
    }
    body = await this.runWebhooks('response', api, body, mapResponseTexts);
    return body === original ? undefined : Buffer.from(JSON.stringify(body), 'utf8');
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
      channel: () => new TextChannel(rules, this.session, (findings) => this.act('response', findings)),
      recheck: (text) => redact(text, rules.find(text), this.session),
      blockedEvent: (error) => blockedEvent(api, shape, error),
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

/** The last event of a blocked stream, in the client's streaming format. */
export function blockedEvent(api: ClientApi, shape: ErrorShape, error: Error): string {
  const message = error instanceof GatewayError ? error.message : 'The response was blocked by a guardrail.';
  const code = error instanceof GatewayError ? (error.code ?? 'guardrail_blocked') : 'guardrail_blocked';
  if (shape === 'anthropic') return `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message } })}\n\n`;
  if (api === 'openai-responses') return `event: error\ndata: ${JSON.stringify({ type: 'error', code, message, param: null })}\n\n`;
  return `data: ${JSON.stringify({ error: { message, type: 'invalid_request_error', param: null, code } })}\n\n`;
}

