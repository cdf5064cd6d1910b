import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Attributes, Context, Span } from '@opentelemetry/api';
import type { ClientRequest } from '../api/client-request';
import type { Identity, RuntimeBackend, RuntimeConfig } from '../config/runtime';
import type { GuardrailRun } from '../guardrails/guardrail-run';
import { costMicros } from '../pricing/price-table';
import type { TokenUsage } from '../providers/usage';
import type { AuditLog } from './audit-log';
import { CompletionText, promptTexts } from './content-capture';
import { openInferenceAttributes } from './openinference';
import type { LabelBound} from './genai';
import { errorType, findResponseModel, operationName, providerName } from './genai';
import type { GatewayMetrics } from './metrics';
import { incomingContext, outgoingHeaders } from './tracing';
import type { Tracing } from './tracing';

/** What every request's telemetry shares: metrics, and traces and the audit log when configured. */
export interface TelemetryServices {
  readonly metrics: GatewayMetrics;
  readonly tracing?: Tracing;
  readonly audit?: AuditLog;
  /** Prompt and completion text in audit records (off by default). */
  readonly auditContent?: boolean;
  readonly responseModels: LabelBound;
}

/** How a request ended, for its metrics, span and audit record. */
export interface RequestEnd {
  readonly config: RuntimeConfig;
  readonly requestId?: string;
  readonly identity?: Identity;
  readonly request?: ClientRequest;
  readonly model?: string;
  readonly backend?: RuntimeBackend;
  readonly attempts: number;
  readonly status: number;
  readonly usage?: TokenUsage;
  readonly guardrails?: GuardrailRun;
  /** Our own reason when aigw answered (e.g. guardrail_blocked, invalid_api_key). */
  readonly reason?: string;
  /** When a routing rule chose the model: the model asked for and the rule. */
  readonly routedFrom?: { readonly model: string; readonly rule: string };
  /** When Envoy answered (or saw the end aigw did not): its response flags and details. */
  readonly envoy?: { readonly flags: string; readonly details: string };
}

const MODEL_SCAN_BYTES = 8192;

/**
 * One request's telemetry: the GenAI metrics, one span continuing the caller's W3C trace
 * (its context is sent to the provider), and one audit record, all emitted once at the end.
 */
export class RequestTelemetry {
  private readonly startedAt = Date.now();
  private readonly started = process.hrtime.bigint();
  private readonly parent: Context | undefined;
  private span: Span | undefined;
  private firstByte: bigint | undefined;
  private responseModel: string | undefined;
  private scanned = 0;
  private completion: CompletionText | undefined;
  private ended = false;

  constructor(
    private readonly services: TelemetryServices,
    headers: ReadonlyMap<string, string>,
  ) {
    if (services.tracing) this.parent = incomingContext(headers);
  }

  /** The request is known: its span starts (dated from the first header), and the headers that carry it upstream. */
  begin(request: ClientRequest, model: string): Record<string, string> {
    if (this.wantsContent()) this.completion = new CompletionText(request.api, request.stream);
    const tracing = this.services.tracing;
    if (!tracing) return {};
    const body = request.body as Record<string, unknown>;
    const attributes: Attributes = {
      'gen_ai.operation.name': operationName(request.api),
      'gen_ai.request.model': model,
    };
    for (const [field, name] of [
      ['max_tokens', 'gen_ai.request.max_tokens'],
      ['max_completion_tokens', 'gen_ai.request.max_tokens'],
      ['max_output_tokens', 'gen_ai.request.max_tokens'],
      ['temperature', 'gen_ai.request.temperature'],
      ['top_p', 'gen_ai.request.top_p'],
    ] as const) {
      if (typeof body[field] === 'number') attributes[name] = body[field];
    }
    this.span = tracing.tracer.startSpan(`${attributes['gen_ai.operation.name']} ${model}`, { kind: SpanKind.CLIENT, attributes, startTime: this.startedAt }, this.parent);
    return outgoingHeaders(this.span);
  }

  /** Bytes on their way to the client: the first marks the first token; the response model is read from the start. */
  responseBytes(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.firstByte ??= process.hrtime.bigint();
    this.completion?.push(chunk);
    if (this.responseModel === undefined && this.scanned < MODEL_SCAN_BYTES) {
      this.responseModel = findResponseModel(chunk.toString('utf8', 0, Math.min(chunk.length, MODEL_SCAN_BYTES)));
      this.scanned += chunk.length;
    }
  }

  /** Emits everything, once. */
  end(outcome: RequestEnd): void {
    if (this.ended) return;
    this.ended = true;
    const now = process.hrtime.bigint();
    const seconds = Number(now - this.started) / 1e9;
    const request = outcome.request;
    const model = outcome.model ?? 'unknown';
    const labels = {
      gen_ai_operation_name: operationName(request?.api),
      gen_ai_provider_name: providerName(outcome.backend?.kind),
      gen_ai_request_model: model,
      gen_ai_response_model: this.responseModel ? this.services.responseModels.value(model, this.responseModel) : 'unknown',
      team: outcome.identity?.team ?? 'unknown',
      project: outcome.identity?.project ?? 'unknown',
    };
    // A request Envoy cut short after its status went out (an upstream reset, a timeout, the
    // client gone) failed, whatever that status said.
    const error = errorType(outcome.status) ?? (outcome.envoy?.flags ? outcome.envoy.flags : undefined);
    const usage = outcome.usage;
    const price = outcome.model ? outcome.config.prices.priceOf(outcome.model, outcome.backend?.name) : undefined;
    const costUsd = usage && price ? costMicros(usage, price) / 1_000_000 : undefined;
    const metrics = this.services.metrics;
    metrics.genAiRequestDuration.observe({ ...labels, error_type: error ?? '' }, seconds);
    if (error) metrics.genAiErrors.inc({ ...labels, error_type: error });
    if (usage) {
      for (const [type, value] of tokenTypes(usage)) {
        if (value > 0 || type === 'input' || type === 'output') metrics.genAiTokenUsage.observe({ ...labels, gen_ai_token_type: type }, value);
      }
    }
    if (costUsd) metrics.genAiCost.inc(labels, costUsd);
    const ttft = this.firstByte !== undefined && request?.stream && !error ? Number(this.firstByte - this.started) / 1e9 : undefined;
    if (ttft !== undefined) {
      metrics.genAiTimeToFirstToken.observe(labels, ttft);
      if (usage && usage.outputTokens > 1) metrics.genAiTimePerOutputToken.observe(labels, (seconds - ttft) / (usage.outputTokens - 1));
    }
    const content = this.completion && request ? { prompt: promptTexts(request), completion: this.completion.value() } : undefined;
    this.endSpan(outcome, labels, error, costUsd, content);
    this.services.audit?.write({
      type: 'request',
      time: new Date(this.startedAt).toISOString(),
      request_id: outcome.requestId ?? null,
      trace_id: this.span?.spanContext().traceId ?? null,
      caller: outcome.identity?.caller ?? null,
      team: outcome.identity?.team ?? null,
      project: outcome.identity?.project ?? null,
      user: outcome.identity?.user ?? null,
      api: request?.api ?? null,
      operation: labels.gen_ai_operation_name,
      model: outcome.model ?? null,
      requested_model: outcome.routedFrom?.model ?? outcome.model ?? null,
      route_rule: outcome.routedFrom?.rule ?? null,
      response_model: this.responseModel ?? null,
      provider: outcome.backend ? labels.gen_ai_provider_name : null,
      backend: outcome.backend?.name ?? null,
      stream: request?.stream ?? false,
      status: outcome.status,
      reason: outcome.reason ?? null,
      ...(outcome.envoy ? { response_flags: outcome.envoy.flags, response_details: outcome.envoy.details } : {}),
      attempts: outcome.attempts,
      latency_ms: Math.round(seconds * 1000),
      ttft_ms: ttft === undefined ? null : Math.round(ttft * 1000),
      tokens: usage ? { ...Object.fromEntries(tokenTypes(usage)), total: usage.totalTokens } : null,
      cost_usd: costUsd ?? (usage && price ? 0 : null),
      guardrails: outcome.guardrails ? { policy: outcome.guardrails.policy.name, actions: outcome.guardrails.actions() } : null,
      ...(this.services.auditContent && content ? content : {}),
    });
  }

  private wantsContent(): boolean {
    return this.services.auditContent === true || this.services.tracing?.captureContent === true;
  }

  private endSpan(outcome: RequestEnd, labels: Record<string, string>, error: string | undefined, costUsd: number | undefined, content: { prompt: string; completion: string } | undefined): void {
    const tracing = this.services.tracing;
    if (!tracing) return;
    // A request refused before its body was read still gets its span.
    this.span ??= tracing.tracer.startSpan(`${labels.gen_ai_operation_name} ${labels.gen_ai_request_model}`, { kind: SpanKind.CLIENT, startTime: this.startedAt }, this.parent);
    const span = this.span;
    const usage = outcome.usage;
    const attributes: Attributes = {
      'gen_ai.provider.name': labels.gen_ai_provider_name,
      'http.response.status_code': outcome.status,
      'aigw.attempts': outcome.attempts,
    };
    if (this.responseModel) attributes['gen_ai.response.model'] = this.responseModel;
    if (outcome.requestId) attributes['aigw.request_id'] = outcome.requestId;
    if (outcome.identity) Object.assign(attributes, { 'aigw.caller': outcome.identity.caller, 'aigw.team': outcome.identity.team, 'aigw.project': outcome.identity.project });
    if (outcome.backend) attributes['aigw.backend'] = outcome.backend.name;
    if (outcome.envoy) Object.assign(attributes, { 'envoy.response_flags': outcome.envoy.flags, 'envoy.response_code_details': outcome.envoy.details });
    if (usage) {
      Object.assign(attributes, {
        'gen_ai.usage.input_tokens': usage.inputTokens,
        'gen_ai.usage.output_tokens': usage.outputTokens,
        'gen_ai.usage.cache_read.input_tokens': usage.cachedInputTokens,
        'gen_ai.usage.cache_creation.input_tokens': usage.cacheCreationInputTokens,
        'gen_ai.usage.reasoning.output_tokens': usage.reasoningTokens,
      });
    }
    if (costUsd !== undefined) attributes['aigw.cost_usd'] = costUsd;
    if (tracing.captureContent && content) Object.assign(attributes, { 'gen_ai.input.messages': content.prompt, 'gen_ai.output.messages': content.completion });
    const captured = tracing.captureContent && content !== undefined;
    Object.assign(
      attributes,
      openInferenceAttributes({
        api: outcome.request?.api,
        body: captured ? (outcome.request?.body as Record<string, unknown> | undefined) : undefined,
        model: outcome.model,
        responseModel: this.responseModel,
        backendKind: outcome.backend?.kind,
        usage,
        completion: captured ? content.completion : undefined,
      }),
    );
    const guardrails = outcome.guardrails;
    if (guardrails) {
      attributes['aigw.guardrail.policy'] = guardrails.policy.name;
      for (const [key, count] of Object.entries(guardrails.actions())) {
        const [direction, detector, action] = key.split(':');
        span.addEvent('aigw.guardrail', { 'aigw.guardrail.direction': direction, 'aigw.guardrail.detector': detector, 'aigw.guardrail.action': action, 'aigw.guardrail.count': count });
      }
    }
    if (error) {
      attributes['error.type'] = outcome.reason ?? error;
      span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.reason ?? `HTTP ${outcome.status}` });
    }
    span.setAttributes(attributes);
    span.end();
  }
}

function tokenTypes(usage: TokenUsage): Array<[string, number]> {
  return [
    ['input', usage.inputTokens],
    ['output', usage.outputTokens],
    ['cached_input', usage.cachedInputTokens],
    ['cache_creation_input', usage.cacheCreationInputTokens],
    ['reasoning', usage.reasoningTokens],
  ];
}
