import { randomUUID } from 'node:crypto';
import { matchEndpoint } from '../api/client-request';
import { errorJson, errorShapeForPath } from '../api/error-shape';
import type { ErrorShape } from '../api/error-shape';
import { streamErrorEvent } from '../api/stream-error-event';
import { visibleModels } from '../access/access-policy';
import { EMPTY_SNAPSHOT } from '../admin/admin-state';
import { presentedKey } from '../auth/api-keys';
import { identify } from '../auth/identify';
import { identityHeaders } from '../auth/identity-headers';
import type { Identity, RuntimeConfig } from '../config/runtime';
import { GatewayError } from '../errors';
import type { GuardrailRun } from '../guardrails/guardrail-run';
import type { ProcessingRequest__Output } from '../generated/envoy/service/ext_proc/v3/ProcessingRequest';
import type { ProcessingResponse } from '../generated/envoy/service/ext_proc/v3/ProcessingResponse';
import type { TokenUsage } from '../providers/usage';
import { reservationMetadata } from '../ratelimit/request-limits';
import { RequestSettler } from '../ratelimit/request-settler';
import { withReservedOutputCap } from '../ratelimit/with-output-cap';
import { envoyReason } from '../telemetry/envoy-answers';
import type { EnvoyEnd } from '../telemetry/envoy-ends';
import { RequestTelemetry } from '../telemetry/request-telemetry';
import { readAttributes } from './attributes';
import { acceptedClientHeaders, sentConditionalHeaders } from './client-headers';
import type { MessageAttributes } from './attributes';
import { prepareDirectAttempt } from './direct-attempt';
import type { DirectAttempt, FailedAttempt } from './direct-attempt';
import { immediateResponse, readHeaders, toStruct } from './messages';
import { admit } from './router-admission';
import type { Admission } from './router-admission';
import { endOfRequestFields, modelList, tooLarge } from './router-replies';
import { ResponseReader } from './response-reader';
import type { RequestState, RequestStore } from './request-store';
import type { ProcessorContext, StreamProcessor } from './stream-processor';
import { LUA_NAMESPACE, METADATA_NAMESPACE, ProtocolError, UPSTREAM_HEADERS_NAMESPACE } from './stream-processor';

type Phase = 'request' | 'response' | 'done';

/** Response header listing request options the backend could not honour (set by the Lua filter from metadata). */
export const WARNING_HEADER = 'x-aigw-warning';

/**
 * The router-level processor of one request, in two messages when all goes well: the
 * buffered request body (with the path, method and the headers aigw reads as attributes),
 * answered with everything decided at admission — the model to route on, the first attempt's
 * upstream request, limits metadata — and the response, streamed chunk by chunk (its status
 * as an attribute of the first). Phases: request → response → done.
 */
export class RouterProcessor implements StreamProcessor {
  private phase: Phase = 'request';
  private state: RequestState | undefined;
  /** Errors are answered in the shape of the client's API, known from the path. */
  private shape: ErrorShape = 'openai';
  private endpointLabel = 'unknown';
  private access = EMPTY_SNAPSHOT; // runtime keys, catalog, profiles: one snapshot per request
  private telemetry: RequestTelemetry | undefined;
  private guardrails: GuardrailRun | undefined;
  private routedFrom: Admission['routedFrom'];
  private reader: ResponseReader | undefined;
  private status = 0;
  /** aigw's own reason when it answered the request itself. */
  private reason: string | undefined;
  private recorded = false;
  /** The stream is gone: work still running for it (an admission) has nowhere to answer. */
  private closed = false;
  /** Envoy's request id (x-request-id), the one a client can quote; aigw's own id stays private. */
  private envoyRequestId: string | undefined;

  /** Settles the request's rate-limit reservation once, in close(), with what it used. */
  private readonly settler: RequestSettler;

  constructor(
    private readonly config: RuntimeConfig,
    private readonly store: RequestStore,
    private readonly context: ProcessorContext,
  ) {
    this.settler = new RequestSettler(context.settlement, config);
  }

  handle(message: ProcessingRequest__Output): ProcessingResponse | Promise<ProcessingResponse> {
    try {
      switch (message.request) {
        case 'request_headers':
          // Only the routes of body-less endpoints (GET /v1/models) send headers.
          this.expect('request');
          return this.onRequestHeaders(message);
        case 'request_body':
          this.expect('request');
          return this.onRequestBody(message);
        case 'response_body':
          this.expect('response');
          return this.onResponseBody(message);
        default:
          throw new ProtocolError(`unexpected message ${String(message.request)}`);
      }
    } catch (error) {
      return this.fail(error);
    }
  }

  get finished(): boolean {
    return this.phase === 'done';
  }

  /** The stream ended, however it ended: the request gets its record, once. */
  close(): void {
    this.closed = true;
    if (this.state) this.store.delete(this.state.id);
    this.settler.close(this.state, this.status);
    const ends = this.context.envoyEnds;
    const request = { envoyRequestId: this.envoyRequestId, requestId: this.state?.id, recorded: this.recorded };
    if (this.recorded || !this.state) return ends?.closed(request);
    // Ended without aigw seeing the end (Envoy's 503, 504 or 429, a timeout during admission,
    // an upstream broken off, a client gone): Envoy's access-log entry says how.
    this.recorded = true;
    if (!ends) return this.recordEnd(undefined);
    ends.closed(request, (end) => this.recordEnd(end));
  }

  /** The record of a request whose end only Envoy saw (undefined: Envoy did not say in time). */
  private recordEnd(end: EnvoyEnd | undefined): void {
    if (end) {
      this.status = end.status;
      this.reason = envoyReason(end);
    } else {
      this.reason ??= 'incomplete';
    }
    this.record(end);
  }

  private expect(phase: Phase): void {
    if (this.phase !== phase) throw new ProtocolError(`message for ${phase} arrived in phase ${this.phase}`);
  }

  /** Who is calling, from the key in the headers (a promise only for a JWT). */
  private begin(attributes: MessageAttributes): Identity | Promise<Identity> {
    const headers = attributes.headers;
    this.shape = errorShapeForPath(attributes.path ?? '');
    this.envoyRequestId = headers.get('x-request-id');
    if (this.envoyRequestId !== undefined) this.context.envoyEnds?.opened(this.envoyRequestId);
    if (this.context.telemetry) this.telemetry = new RequestTelemetry(this.context.telemetry, headers);
    this.access = this.context.access?.current() ?? EMPTY_SNAPSHOT;
    return identify(this.config, this.access, presentedKey(headers));
  }

  private onRequestHeaders(message: ProcessingRequest__Output): ProcessingResponse | Promise<ProcessingResponse> {
    const headers = readHeaders(message.request_headers);
    const attributes: MessageAttributes = { path: headers.get(':path'), method: headers.get(':method'), headers };
    const identity = this.begin(attributes);
    const answer = (caller: Identity): ProcessingResponse => {
      const endpoint = matchEndpoint(attributes.method ?? '', attributes.path ?? '');
      if (endpoint?.kind !== 'list-models') throw unknownUrl(attributes);
      this.endpointLabel = 'models';
      // Both SDKs list models at GET /v1/models; Anthropic's always sends anthropic-version.
      const shape = headers.has('anthropic-version') ? 'anthropic' : 'openai';
      const ids = visibleModels(this.config.models.keys(), caller, this.config.accessProfiles, this.access);
      this.finishWith(200);
      return immediateResponse(200, JSON.stringify(modelList(shape, ids)), { 'content-type': 'application/json' }, 'aigw_models', { recorded: true });
    };
    return identity instanceof Promise ? identity.then(answer).catch((error: unknown) => this.fail(error)) : answer(identity);
  }

  private onRequestBody(message: ProcessingRequest__Output): ProcessingResponse | Promise<ProcessingResponse> {
    const attributes = readAttributes(message);
    if (!attributes) throw new ProtocolError('request body without attributes; configure request_attributes');
    const body = message.request_body?.body ?? Buffer.alloc(0);
    const identity = this.begin(attributes);
    if (identity instanceof Promise) return identity.then((caller) => this.admitBody(caller, attributes, body)).catch((error: unknown) => this.fail(error));
    return this.admitBody(identity, attributes, body);
  }

  private admitBody(identity: Identity, attributes: MessageAttributes, body: Buffer): ProcessingResponse | Promise<ProcessingResponse> {
    if (this.closed) return {}; // a JWT checked after Envoy ended the request: Envoy's entry is its record
    const path = attributes.path ?? '';
    const endpoint = matchEndpoint(attributes.method ?? '', path);
    if (endpoint?.kind !== 'model-call') throw unknownUrl(attributes);
    this.endpointLabel = endpoint.api;
    const state: RequestState = {
      id: randomUUID(),
      config: this.config,
      identity,
      endpoint,
      path: path.split('?')[0],
      errorShape: this.shape,
      startedAt: Date.now(),
      attempts: 0,
      clientBody: body,
      clientHeaders: sentConditionalHeaders(this.config, attributes.headers),
    };
    this.state = state;
    this.store.add(state);
    if (body.length > this.config.limits.maxRequestBodyBytes) throw tooLarge(this.config.limits.maxRequestBodyBytes);
    const wanted = this.config.routing.headerNames;
    const routingHeaders = wanted.size === 0 ? new Map<string, string>() : new Map([...attributes.headers].filter(([name]) => wanted.has(name)));
    const admission = admit(
      { config: this.config, access: this.access, identity, api: endpoint.api, requestId: state.id, routingHeaders, context: this.context, onGuardrails: (run) => (this.guardrails = run) },
      body,
    );
    if (admission instanceof Promise) return admission.then((admitted) => this.route(state, admitted)).catch((error: unknown) => this.fail(error));
    return this.route(state, admission);
  }

  /** The admitted request is saved for every attempt, and the first attempt prepared. */
  private route(state: RequestState, admission: Admission): ProcessingResponse | Promise<ProcessingResponse> {
    if (this.closed) return {}; // Envoy ended the request during admission: nothing to prepare or send
    const model = admission.model;
    // Token and dollar limits reserve an output cap: the request goes with it (with-output-cap.ts).
    const request = withReservedOutputCap(this.config, admission.request);
    state.request = request;
    state.model = model;
    this.routedFrom = admission.routedFrom;
    this.guardrails = admission.guardrails;
    state.guardrailsReadResponses = admission.guardrails?.readsResponses === true;
    const direct = prepareDirectAttempt(request, model, this.config.limits);
    if (direct instanceof Promise) return direct.then((prepared) => this.answerRequest(state, prepared)).catch((error: unknown) => this.fail(error));
    return this.answerRequest(state, direct);
  }

  private answerRequest(state: RequestState, prepared: DirectAttempt | FailedAttempt | undefined): ProcessingResponse {
    const direct = prepared && 'translator' in prepared ? prepared : undefined;
    if (prepared && 'error' in prepared) state.directFailure = prepared;
    const request = state.request;
    const model = state.model;
    if (!request || !model) throw new ProtocolError('answering a request that was not admitted');
    // The provider sees this request's span as its parent (traceparent), when traced.
    const trace = this.telemetry?.begin(request, model.name) ?? {};
    const identity = state.identity;
    const upstreamHeaders: Record<string, string> = { ...identityHeaders(identity) };
    const fields: Record<string, unknown> = {
      request_id: state.id,
      path: state.path,
      error_shape: state.errorShape,
      model: model.name,
      caller: identity.caller,
      team: identity.team,
      project: identity.project,
      user: identity.user,
      ...(this.guardrails ? { guardrail_policy: this.guardrails.policy.name } : {}),
      ...(this.routedFrom ? { requested_model: this.routedFrom.model, route_rule: this.routedFrom.rule } : {}),
      ...reservationMetadata(this.config, request, model),
    };
    // What the Lua filters read, apart (see LUA_NAMESPACE); `stream` is always there, so the
    // namespace is too: its presence tells the request script aigw saw the request.
    const lua: Record<string, unknown> = { stream: request.stream, ...trace, ...(this.guardrails?.guardsResponses ? { guard_responses: true } : {}) };
    let body: Buffer | undefined;
    if (direct) {
      // The first attempt, ready: Envoy's Lua filter sets its path and headers, and the attempt
      // that reaches this backend skips the per-attempt processor.
      state.translator = direct.translator;
      state.backend = direct.entry.backend;
      state.direct = { backend: direct.entry.backend.name, headers: Object.keys(direct.upstream.headers) };
      state.attempts = 1;
      this.context.metrics.attempts.inc({ model: model.name, backend: direct.entry.backend.name });
      Object.assign(upstreamHeaders, direct.upstream.headers);
      // Empty and false values stay out: every field costs Envoy (and its Lua filters) a conversion.
      const forward = acceptedClientHeaders(direct.entry.backend);
      Object.assign(lua, {
        direct_backend: direct.entry.backend.name,
        direct_path: direct.upstream.path,
        ...(forward.length > 0 ? { direct_forward: forward.join(',') } : {}),
        ...(direct.translator.warnings.length > 0 ? { warning: direct.translator.warnings.join('; ') } : {}),
        ...(holdsResponse(direct.translator, this.guardrails) ? { hold: true } : {}),
      });
      // The client's own bytes need no copy back to Envoy.
      if (direct.upstream.body !== state.clientBody) body = direct.upstream.body;
    }
    this.phase = 'response';
    return {
      request_body: {
        response: {
          // Envoy clears the route cache for a body response only when it carries a header
          // mutation; the routes match on the model in the metadata below.
          header_mutation: {},
          clear_route_cache: true,
          ...(body ? { body_mutation: { body } } : {}),
        },
      },
      dynamic_metadata: toStruct({ [METADATA_NAMESPACE]: fields, [LUA_NAMESPACE]: lua, [UPSTREAM_HEADERS_NAMESPACE]: upstreamHeaders }),
    };
  }

  private onResponseBody(message: ProcessingRequest__Output): ProcessingResponse | Promise<ProcessingResponse> {
    const state = this.state;
    if (!state) throw new ProtocolError('a response body before any request');
    if (!this.reader) {
      const attributes = readAttributes(message) ?? { headers: new Map<string, string>() };
      this.reader = new ResponseReader(attributes, state, this.shape, this.guardrails, this.telemetry);
      this.status = this.reader.status;
    }
    const chunk = message.response_body?.body ?? Buffer.alloc(0);
    const endOfStream = message.response_body?.end_of_stream === true;
    const replaced = this.reader.push(chunk, endOfStream);
    if (replaced instanceof Promise) return replaced.then((value) => this.answerChunk(state, chunk, value, endOfStream)).catch((error: unknown) => this.fail(error));
    return this.answerChunk(state, chunk, replaced, endOfStream);
  }

  private answerChunk(state: RequestState, chunk: Buffer, replaced: Buffer | undefined, endOfStream: boolean): ProcessingResponse {
    // The output the client has seen so far, for a stream cut short.
    if (this.reader?.streaming) this.settler.streamed(state, replaced ?? chunk);
    const response = { response_body: { response: replaced ? { body_mutation: { body: replaced } } : {} } };
    if (!endOfStream) return response;
    // A 200 whose body was not an answer: the translator wrote an error body, the client gets a 502.
    const failed = this.reader?.ok === true && state.translator?.failedResponse === true;
    if (failed) this.reason = 'upstream_invalid_response';
    this.settler.finished(this.status, state.translator?.usage());
    const usage = this.finishWith(failed ? 502 : this.status);
    // A non-streamed body aigw wrote itself (translated, reshaped) is JSON, whatever the provider's type said.
    const rewritten = replaced !== undefined && replaced.length > 0 && this.reader?.streaming === false;
    const extra = { ...(rewritten ? { json_body: true } : {}), ...(failed ? { response_status: 502 } : {}) };
    return { ...response, dynamic_metadata: this.endMetadata(usage, extra) };
  }

  /** Usage for the access log, and what the request used for rate-limit settlement and spend. */
  private endMetadata(usage: TokenUsage | undefined, response: { response_status?: number; json_body?: boolean } = {}): ProcessingResponse['dynamic_metadata'] {
    // `recorded`: aigw has this request's record, so Envoy sends no access-log entry for it.
    const fields = { ...endOfRequestFields(this.config, this.state, this.status, usage, this.guardrails?.summary()), recorded: true };
    // The response's status and type, when aigw sets them, are for the response Lua filter.
    return toStruct({ [METADATA_NAMESPACE]: fields, ...(Object.keys(response).length > 0 ? { [LUA_NAMESPACE]: response } : {}) });
  }

  /** The request ends with this status: recorded once. */
  private finishWith(status: number): TokenUsage | undefined {
    this.status = status;
    this.phase = 'done';
    // The stream closed first: the record comes with Envoy's word on how the request ended.
    if (this.closed) return this.state?.translator?.usage();
    return this.record();
  }

  /** Metrics, span and audit record for the finished request; returns its usage. */
  private record(envoy?: EnvoyEnd): TokenUsage | undefined {
    this.recorded = true;
    const state = this.state;
    const model = state?.model?.name ?? 'unknown';
    this.context.metrics.requests.inc({ endpoint: this.endpointLabel, model, status: String(this.status) });
    const usage = state?.translator?.usage();
    const backend = state?.backend?.name ?? 'unknown';
    if (usage) this.context.metrics.recordUsage(model, backend, usage);
    else if (state?.model && this.status >= 200 && this.status < 300) this.context.metrics.usageMissing.inc({ model, backend });
    this.telemetry?.end({
      config: this.config,
      requestId: state?.id,
      identity: state?.identity,
      request: state?.request,
      model: state?.model?.name,
      backend: state?.backend,
      attempts: state?.attempts ?? 0,
      status: this.status,
      usage,
      guardrails: this.guardrails,
      reason: this.reason,
      routedFrom: this.routedFrom,
      ...(envoy ? { envoy: { flags: envoy.flags, details: envoy.details } } : {}),
    });
    return usage;
  }

  /**
   * Any error becomes an answer in the client's shape; only user-facing errors say why.
   * Before the response started, an immediate response. After (the status is already on its
   * way to the client), the error replaces the rest of the body: a non-streamed answer gets
   * the error JSON and the status (applied by the Lua filter, which holds such answers until
   * their end), a stream gets a terminal error event.
   */
  private fail(error: unknown): ProcessingResponse {
    const reference = this.envoyRequestId ? ` (request id ${this.envoyRequestId})` : '';
    const gatewayError =
      error instanceof GatewayError && error.userFacing
        ? error
        : new GatewayError(500, 'server_error', 'internal_error', `The gateway failed to process the request${reference}.`, null, false);
    if (!(error instanceof GatewayError)) {
      this.context.metrics.processingErrors.inc({ kind: error instanceof ProtocolError ? 'protocol' : 'internal' });
      this.context.logger.error('router processor failed', { requestId: this.state?.id, error: (error as Error).message });
    }
    this.reason = gatewayError.userFacing ? (gatewayError.code ?? gatewayError.type) : 'internal_error';
    const reader = this.reader;
    if (this.phase === 'response' && reader) {
      // A response refused (e.g. by its guardrails) still used tokens: settle them like any other end.
      this.settler.finished(reader.status, this.state?.translator?.usage());
      const usage = this.finishWith(reader.streaming ? this.status : gatewayError.status);
      if (reader.streaming) {
        const event = Buffer.from(streamErrorEvent(this.state?.request?.api, this.shape, gatewayError), 'utf8');
        return { response_body: { response: { body_mutation: { body: event } } }, dynamic_metadata: this.endMetadata(usage) };
      }
      const body = Buffer.from(errorJson(this.shape, gatewayError), 'utf8');
      return { response_body: { response: { body_mutation: { body } } }, dynamic_metadata: this.endMetadata(usage, { response_status: gatewayError.status, json_body: true }) };
    }
    const summary = this.guardrails?.summary();
    this.finishWith(gatewayError.status);
    return immediateResponse(gatewayError.status, errorJson(this.shape, gatewayError), { 'content-type': 'application/json' }, `aigw_${gatewayError.code ?? gatewayError.type}`, {
      recorded: true,
      ...(summary ? { guardrails: summary } : {}),
    });
  }
}

/**
 * Whether a non-streamed answer is rewritten as a whole (translated, or read by response
 * guardrails): the response Lua filter then holds it, so aigw can still set its status.
 */
export function holdsResponse(translator: { readonly responsePassesThrough?: boolean }, guardrails: GuardrailRun | undefined): boolean {
  return translator.responsePassesThrough !== true || guardrails?.readsResponses === true;
}

function unknownUrl(attributes: MessageAttributes): GatewayError {
  return new GatewayError(404, 'invalid_request_error', 'unknown_url', `Unknown request URL: ${attributes.method ?? ''} ${(attributes.path ?? '').split('?')[0]}.`);
}
