import { matchEndpoint, parseClientRequest, unknownModel } from '../api/client-request';
import type { ClientRequest } from '../api/client-request';
import { errorJson, errorShapeForPath, reshapeError } from '../api/error-shape';
import type { ErrorShape } from '../api/error-shape';
import { assertModelAccess, visibleModels } from '../access/access-policy';
import { EMPTY_SNAPSHOT } from '../admin/admin-state';
import { presentedKey } from '../auth/api-keys';
import { identify } from '../auth/identify';
import { identityHeaders } from '../auth/identity-headers';
import type { Identity, RuntimeConfig, RuntimeModel } from '../config/runtime';
import { GatewayError } from '../errors';
import { GuardrailRun } from '../guardrails/guardrail-run';
import type { StreamGuard } from '../guardrails/stream-guard';
import type { HttpBody__Output } from '../generated/envoy/service/ext_proc/v3/HttpBody';
import type { HttpHeaders__Output } from '../generated/envoy/service/ext_proc/v3/HttpHeaders';
import type { ProcessingRequest__Output } from '../generated/envoy/service/ext_proc/v3/ProcessingRequest';
import type { ProcessingResponse } from '../generated/envoy/service/ext_proc/v3/ProcessingResponse';
import { ContentDecoder } from '../providers/content-decoding';
import { routeRequest } from '../routing/route-request';
import { RequestTelemetry } from '../telemetry/request-telemetry';
import type { TokenUsage } from '../providers/usage';
import { reservationMetadata } from '../ratelimit/request-limits';
import { headerMutation, immediateResponse, readHeaders, toStruct } from './messages';
import { endOfRequestFields, modelList, tooLarge } from './router-replies';
import type { RequestState, RequestStore } from './request-store';
import type { StreamProcessor, ProcessorContext } from './stream-processor';
import { HEADER, METADATA_NAMESPACE, ProtocolError, isInternalHeader } from './stream-processor';

type Phase = 'request-headers' | 'request-body' | 'response-headers' | 'response-body' | 'done';

/** Response header listing request options the backend could not honour. */
export const WARNING_HEADER = 'x-aigw-warning';

/** Headers a client sends that must never reach a provider. */
const CLIENT_CREDENTIAL_HEADERS = ['authorization', 'x-api-key'];

/**
 * The router-level processor of one request: authenticates the caller, reads the body
 * for its model, routes, and on the way back reads usage and reshapes errors.
 * Phases: request-headers → request-body → response-headers → response-body → done.
 */
export class RouterProcessor implements StreamProcessor {
  private phase: Phase = 'request-headers';
  private state: RequestState | undefined;
  private readonly requestChunks: Buffer[] = [];
  private requestBytes = 0;
  private status = 0;
  private streamingResponse = false;
  private readonly errorChunks: Buffer[] = [];
  private endpointLabel = 'unknown';
  /** Set when the response body has a content coding to undo (see onResponseHeaders). */
  private decoder: ContentDecoder | undefined;
  private recorded = false;
  /** Errors are answered in the shape of the client's API, known from the path. */
  private shape: ErrorShape = 'openai';
  /** The request's guardrail policy at work, when one applies. */
  private guardrails: GuardrailRun | undefined;
  /** Response guardrails on a streamed response. */
  private streamGuard: StreamGuard | undefined;
  /** A whole (non-streamed) response collected for its guardrails. */
  private readonly guardedChunks: Buffer[] = [];
  /** This request's GenAI metrics, span and audit record. */
  private telemetry: RequestTelemetry | undefined;
  /** aigw's own reason when it answered the request itself. */
  private reason: string | undefined;
  /** The request headers routing rules read. */
  private routingHeaders: ReadonlyMap<string, string> = new Map();
  /** When a routing rule chose the model: the model asked for and the rule. */
  private routedFrom: { model: string; rule: string } | undefined;
  private access = EMPTY_SNAPSHOT; // runtime keys, catalog, profiles: one snapshot per request

  constructor(
    private readonly config: RuntimeConfig,
    private readonly store: RequestStore,
    private readonly context: ProcessorContext,
  ) {}

  handle(message: ProcessingRequest__Output): ProcessingResponse | Promise<ProcessingResponse> {
    try {
      switch (message.request) {
        case 'request_headers':
          this.expect('request-headers');
          return this.onRequestHeaders(message.request_headers);
        case 'request_body':
          this.expect('request-body');
          return this.onRequestBody(message.request_body);
        case 'response_headers':
          // Envoy may answer locally (no route, body too large, upstream down) at any point
          // after the request headers, so response headers can arrive in any earlier phase.
          if (this.phase === 'response-body' || this.phase === 'done') throw new ProtocolError(`response_headers in phase ${this.phase}`);
          return this.onResponseHeaders(message.response_headers);
        case 'response_body': {
          this.expect('response-body');
          const decoder = this.decoder;
          const endOfStream = message.response_body?.end_of_stream === true;
          if (!decoder) return this.onResponseBody(message.response_body?.body ?? Buffer.alloc(0), endOfStream);
          // A compressed body is decoded first, so translators and usage readers see plain bytes.
          return decoder
            .push(message.response_body?.body ?? Buffer.alloc(0), endOfStream)
            .then((decoded) => this.onResponseBody(decoded, endOfStream))
            .catch((error: unknown) => this.fail(error));
        }
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

  close(): void {
    const actions = this.guardrails?.summary();
    if (actions) this.context.logger.debug('guardrail actions', { requestId: this.state?.id, policy: this.guardrails?.policy.name, actions });
    if (this.state) this.store.delete(this.state.id);
    if (!this.recorded && this.status !== 0) this.record();
  }

  private expect(phase: Phase): void {
    if (this.phase !== phase) throw new ProtocolError(`message for ${phase} arrived in phase ${this.phase}`);
  }

  private onRequestHeaders(message: HttpHeaders__Output | null | undefined): ProcessingResponse | Promise<ProcessingResponse> {
    const headers = readHeaders(message);
    this.shape = errorShapeForPath(headers.get(':path') ?? '');
    if (this.context.telemetry) this.telemetry = new RequestTelemetry(this.context.telemetry, headers);
    const wanted = this.config.routing.headerNames;
    if (wanted.size > 0) this.routingHeaders = new Map([...headers].filter(([name]) => wanted.has(name)));
    this.access = this.context.access?.current() ?? EMPTY_SNAPSHOT;
    // Keys are checked synchronously; only a JWT's verification is a promise.
    const identity = identify(this.config, this.access, presentedKey(headers));
    if (!(identity instanceof Promise)) return this.admit(identity, headers, message);
    return identity.then((found) => this.admit(found, headers, message)).catch((error: unknown) => this.fail(error));
  }

  /** The authenticated request's headers: endpoint, size, state, identity headers. */
  private admit(identity: Identity, headers: ReadonlyMap<string, string>, message: HttpHeaders__Output | null | undefined): ProcessingResponse {
    const method = headers.get(':method') ?? '';
    const path = headers.get(':path') ?? '';
    const endpoint = matchEndpoint(method, path);
    if (!endpoint) {
      throw new GatewayError(404, 'invalid_request_error', 'unknown_url', `Unknown request URL: ${method} ${path.split('?')[0]}.`);
    }
    this.endpointLabel = endpoint.kind === 'list-models' ? 'models' : endpoint.api;
    // Both SDKs list models at GET /v1/models; Anthropic's always sends anthropic-version.
    if (endpoint.kind === 'list-models') return this.listModels(headers.has('anthropic-version') ? 'anthropic' : 'openai', identity);

    if (message?.end_of_stream) throw new GatewayError(400, 'invalid_request_error', null, 'The request body is empty; send a JSON object.');
    const declared = Number(headers.get('content-length'));
    if (declared > this.config.limits.maxRequestBodyBytes) throw tooLarge(this.config.limits.maxRequestBodyBytes);

    this.state = {
      id: this.store.nextId(),
      config: this.config,
      identity,
      endpoint,
      path: path.split('?')[0],
      errorShape: this.shape,
      startedAt: Date.now(),
      attempts: 0,
    };
    this.store.add(this.state);
    this.phase = 'request-body';
    const set = identityHeaders(identity);
    const remove = [...headers.keys()].filter((name) => (isInternalHeader(name) || CLIENT_CREDENTIAL_HEADERS.includes(name)) && !(name in set));
    return { request_headers: { response: { header_mutation: headerMutation(set, remove) } } };
  }

  private onRequestBody(message: HttpBody__Output | null | undefined): ProcessingResponse | Promise<ProcessingResponse> {
    const state = this.mustHaveState();
    const chunk = message?.body ?? Buffer.alloc(0);
    this.requestBytes += chunk.length;
    if (this.requestBytes > this.config.limits.maxRequestBodyBytes) throw tooLarge(this.config.limits.maxRequestBodyBytes);
    this.requestChunks.push(chunk);
    // In BUFFERED mode the whole body comes at once; a body in several messages is
    // collected and acted on at its end.
    if (!message?.end_of_stream) return { request_body: { response: {} } };

    if (state.endpoint.kind !== 'model-call') throw new ProtocolError('request body for an endpoint without one');
    const parsed = parseClientRequest(state.endpoint.api, Buffer.concat(this.requestChunks), { maxJsonDepth: this.config.limits.maxJsonDepth });
    this.requestChunks.length = 0;
    if (!this.config.models.has(parsed.model)) throw unknownModel(parsed.model);
    const identity = state.identity;
    // Access (catalog and profiles) is decided on the model the caller asked for.
    assertModelAccess(parsed.model, identity, this.config.accessProfiles, this.access);
    // Routing rules may send the request to another model of the config; Envoy then routes
    // (and retries, and fails over) within that model.
    const { request, model, rule } = routeRequest(this.config, parsed, identity, this.routingHeaders);
    if (rule) {
      this.routedFrom = { model: parsed.model, rule };
      this.context.metrics.routingDecisions.inc({ rule, model: model.name });
    }
    state.model = model;
    const policy = this.config.guardrails?.policyFor(identity, model.name, this.access.guardrails);
    if (!policy) return this.route(state, request, model);
    const context = { requestId: state.id, caller: identity.caller, team: identity.team, project: identity.project, model: model.name, api: request.api, policy: policy.name };
    this.guardrails = new GuardrailRun(policy, context, this.context);
    return this.guardrails.checkRequest(request).then(
      (checked) => this.route(state, checked, model),
      (error: unknown) => this.fail(error),
    );
  }

  /** The request as it goes upstream (after guardrails): saved for every attempt, routed on its model. */
  private route(state: RequestState, request: ClientRequest, model: RuntimeModel): ProcessingResponse {
    state.request = request;
    this.phase = 'response-headers';
    const identity = state.identity;
    // The provider sees this request's span as its parent (traceparent), when traced.
    const traceHeaders = this.telemetry?.begin(request, model.name) ?? {};
    return {
      request_body: {
        response: {
          header_mutation: headerMutation({ [HEADER.model]: model.name, ...traceHeaders }),
          clear_route_cache: true,
        },
      },
      dynamic_metadata: toStruct({
        [METADATA_NAMESPACE]: {
          request_id: state.id,
          path: state.path,
          error_shape: state.errorShape,
          model: model.name,
          caller: identity.caller,
          team: identity.team,
          project: identity.project,
          user: identity.user,
          stream: request.stream,
          ...(this.guardrails ? { guardrail_policy: this.guardrails.policy.name } : {}),
          ...(this.routedFrom ? { requested_model: this.routedFrom.model, route_rule: this.routedFrom.rule } : {}),
          ...reservationMetadata(this.config, request, model),
        },
      }),
    };
  }

  private onResponseHeaders(message: HttpHeaders__Output | null | undefined): ProcessingResponse {
    const headers = readHeaders(message);
    this.status = Number(headers.get(':status') ?? 0);
    this.state?.translator?.responseHeaders?.(headers);
    const request = this.state?.request;
    this.streamingResponse = request?.stream === true && this.status >= 200 && this.status < 300;
    // Options the attempt's backend could not honour were dropped: say so, never silently.
    const warnings = this.state?.translator?.warnings ?? [];
    // A compressed body is decoded for the translator and sent on decoded, whether rewritten
    // or not: which one is known only per chunk, after these headers are gone. So the client
    // is told neither the coding nor the (compressed) length.
    this.decoder = message?.end_of_stream ? undefined : ContentDecoder.for(headers.get('content-encoding'), { maxBytes: this.config.limits.maxResponseBodyBytes });
    const remove = this.decoder ? ['content-encoding', 'content-length'] : [];
    const set: Record<string, string> = warnings.length > 0 ? { [WARNING_HEADER]: warnings.join('; ') } : {};
    // Both client APIs stream SSE, whatever the provider sent (Bedrock sends AWS event streams).
    if (this.streamingResponse && !/^text\/event-stream\b/i.test(headers.get('content-type') ?? '')) set['content-type'] = 'text/event-stream; charset=utf-8';
    const response = Object.keys(set).length > 0 || remove.length > 0 ? { header_mutation: headerMutation(set, remove) } : {};
    if (message?.end_of_stream) {
      const usage = this.finish();
      return { response_headers: { response }, dynamic_metadata: this.endMetadata(usage) };
    }
    this.phase = 'response-body';
    const api = request?.api;
    if (this.guardrails && api && this.streamingResponse) this.streamGuard = this.guardrails.streamGuard(api, this.shape);
    if (this.streamingResponse) {
      // Events must reach the client as the provider sends them: switch this response to STREAMED.
      return { response_headers: { response }, mode_override: { response_body_mode: 'STREAMED' } };
    }
    return { response_headers: { response } };
  }

  private onResponseBody(chunk: Buffer, endOfStream: boolean): ProcessingResponse | Promise<ProcessingResponse> {
    // A decoded body always replaces the encoded bytes, rewritten by the translator or not.
    const decoded = this.decoder !== undefined;
    const translator = this.state?.translator;
    if (this.status < 200 || this.status >= 300) {
      this.errorChunks.push(chunk);
      if (!endOfStream) return { response_body: { response: {} } };
      const body = Buffer.concat(this.errorChunks);
      const replaced = translator ? translator.responseError(this.status, body) : reshapeError(this.shape, this.status, body).body;
      if (decoded) return this.finishWithBody(replaced ?? body);
      return this.finishWithBody(replaced && !replaced.equals(body) ? replaced : undefined);
    }
    const translated = translator?.responseBody(chunk, endOfStream);
    let replaced = translated ?? (decoded ? chunk : undefined);
    if (this.streamGuard) replaced = this.streamGuard.push(replaced ?? chunk, endOfStream);
    else if (this.guardrails?.readsResponses && !this.streamingResponse) return this.guardWholeResponse(this.guardrails, replaced ?? chunk, replaced !== undefined, endOfStream);
    this.telemetry?.responseBytes(replaced ?? chunk);
    if (!endOfStream) return { response_body: { response: replaced ? { body_mutation: { body: replaced } } : {} } };
    return this.finishWithBody(replaced);
  }

  /** A non-streamed response goes to the client only once its guardrails have read it whole. */
  private guardWholeResponse(run: GuardrailRun, body: Buffer, rewritten: boolean, endOfStream: boolean): ProcessingResponse | Promise<ProcessingResponse> {
    this.guardedChunks.push(body);
    if (!endOfStream) return { response_body: { response: { body_mutation: { body: Buffer.alloc(0) } } } };
    const whole = Buffer.concat(this.guardedChunks);
    // Envoy still holds the original bytes unless a translation or earlier chunks replaced them.
    const replaced = rewritten || this.guardedChunks.length > 1;
    const request = this.mustHaveState().request;
    if (!request) throw new ProtocolError('a response body before the request was routed');
    return run.checkResponse(request.api, whole).then(
      (checked) => {
        this.telemetry?.responseBytes(checked ?? whole);
        return this.finishWithBody(checked ?? (replaced ? whole : undefined));
      },
      (error: unknown) => this.fail(error),
    );
  }

  /** The last body message: optional replacement, and usage into dynamic metadata for the access log. */
  private finishWithBody(replacement: Buffer | undefined): ProcessingResponse {
    const usage = this.finish();
    const response: ProcessingResponse['response_body'] = { response: {} };
    if (replacement) {
      response.response = {
        body_mutation: { body: replacement },
        // Buffered bodies keep their content-length header, so a new body needs a new length.
        header_mutation: this.streamingResponse
          ? undefined
          : headerMutation({ 'content-length': String(replacement.length), 'content-type': 'application/json' }),
      };
    }
    return { response_body: response, dynamic_metadata: this.endMetadata(usage) };
  }

  /** Usage for the access log, and what the request used for rate-limit settlement and spend. */
  private endMetadata(usage: TokenUsage | undefined): ProcessingResponse['dynamic_metadata'] {
    const fields = this.endFields(usage);
    return fields ? toStruct({ [METADATA_NAMESPACE]: fields }) : undefined;
  }

  private endFields(usage: TokenUsage | undefined): Record<string, number | string> | undefined {
    return endOfRequestFields(this.config, this.state, this.status, usage, this.guardrails?.summary());
  }

  private finish(): TokenUsage | undefined {
    this.phase = 'done';
    return this.record();
  }

  /** Metrics for the finished request; returns its usage. */
  private record(): TokenUsage | undefined {
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
    });
    return usage;
  }

  private listModels(shape: ErrorShape, identity: Identity): ProcessingResponse {
    this.status = 200;
    this.phase = 'done';
    this.record();
    const ids = visibleModels(this.config.models.keys(), identity, this.config.accessProfiles, this.access);
    return immediateResponse(200, JSON.stringify(modelList(shape, ids)), { 'content-type': 'application/json' }, 'aigw_models');
  }

  private mustHaveState(): RequestState {
    if (!this.state) throw new ProtocolError('no request state');
    return this.state;
  }

  /** Any error becomes an answer in the client's shape; only user-facing errors say why. */
  private fail(error: unknown): ProcessingResponse {
    const gatewayError =
      error instanceof GatewayError && error.userFacing
        ? error
        : new GatewayError(500, 'server_error', 'internal_error', `The gateway failed to process the request (request id ${this.state?.id ?? 'none'}).`, null, false);
    if (!(error instanceof GatewayError)) {
      this.context.metrics.processingErrors.inc({ kind: error instanceof ProtocolError ? 'protocol' : 'internal' });
      this.context.logger.error('router processor failed', { requestId: this.state?.id, error: (error as Error).message });
    }
    // A response refused by its guardrails still used tokens: settle them like any other end.
    const responded = this.status >= 200 && this.status < 300 && this.phase === 'response-body';
    if (gatewayError.userFacing) this.reason = gatewayError.code ?? gatewayError.type;
    else this.reason = 'internal_error';
    const summary = this.guardrails?.summary();
    const fields = responded ? this.endFields(this.state?.translator?.usage()) : summary ? { guardrails: summary } : undefined;
    this.status = gatewayError.status;
    this.phase = 'done';
    this.record();
    return immediateResponse(gatewayError.status, errorJson(this.shape, gatewayError), { 'content-type': 'application/json' }, `aigw_${gatewayError.code ?? gatewayError.type}`, fields);
  }
}

