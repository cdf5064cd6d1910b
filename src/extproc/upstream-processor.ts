import { errorJson } from '../api/error-shape';
import type { ErrorShape } from '../api/error-shape';
import { GatewayError } from '../errors';
import type { ProcessingRequest__Output } from '../generated/envoy/service/ext_proc/v3/ProcessingRequest';
import type { ProcessingResponse } from '../generated/envoy/service/ext_proc/v3/ProcessingResponse';
import type { RuntimeBackend, RuntimeConfig } from '../config/runtime';
import type { UpstreamRequest } from '../providers/translator';
import { createTranslator } from '../providers/registry';
import { acceptedClientHeaders, conditionalClientHeaders } from './client-headers';
import { headerMutation, immediateResponse, readHeaders, structPath, toStruct } from './messages';
import type { RequestStore } from './request-store';
import type { ProcessorContext, StreamProcessor } from './stream-processor';
import { DIRECT_HEADER, HEADER, LUA_NAMESPACE, METADATA_NAMESPACE, ProtocolError, UPSTREAM_HEADERS_NAMESPACE } from './stream-processor';

/** Envoy's attribute carrying the chosen endpoint's metadata (request_attributes in the filter config). */
const HOST_METADATA_ATTRIBUTE = 'xds.upstream_host_metadata';
const EXT_PROC_ATTRIBUTES = 'envoy.filters.http.ext_proc';

/**
 * Credential headers of every provider style. Header changes persist across retries
 * (the router reuses one header map), so each attempt clears the ones it does not set:
 * these, every header any backend of the model may set (a custom credential header
 * included), and those the prepared first attempt set.
 */
const CREDENTIAL_HEADERS = ['authorization', 'api-key', 'x-api-key', 'x-goog-api-key', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256'];

/**
 * The upstream-level processor: runs once per attempt, after Envoy picked the endpoint.
 * Translates the saved request for that endpoint's backend, points path and host at it,
 * and injects its credential. It sees only request headers.
 */
export class UpstreamProcessor implements StreamProcessor {
  private done = false;
  private shape: ErrorShape = 'openai';

  constructor(
    private readonly store: RequestStore,
    private readonly context: ProcessorContext,
  ) {}

  handle(message: ProcessingRequest__Output): ProcessingResponse | Promise<ProcessingResponse> {
    try {
      if (message.request !== 'request_headers' || this.done) {
        throw new ProtocolError(`upstream processor got ${String(message.request)}; configure it for request headers only`);
      }
      this.done = true;
      const response = this.onRequestHeaders(message);
      return response instanceof Promise ? response.catch((error: unknown) => this.fail(error)) : response;
    } catch (error) {
      return this.fail(error);
    }
  }

  get finished(): boolean {
    return this.done;
  }

  close(): void {}

  private onRequestHeaders(message: ProcessingRequest__Output): ProcessingResponse | Promise<ProcessingResponse> {
    // The router-level processor's dynamic metadata, forwarded by Envoy
    // (metadata_options.forwarding_namespaces). Unlike a header it is untouched by
    // earlier attempts, whose header changes persist in the router's shared header map.
    const id = message.metadata_context?.filter_metadata?.[METADATA_NAMESPACE]?.fields?.request_id?.stringValue;
    const state = id ? this.store.get(id) : undefined;
    if (state) this.shape = state.errorShape;
    if (!state?.request || !state.model) throw new ProtocolError('no request state for this attempt');
    const backendName = backendOf(message);
    const entry = state.model.backends.find((candidate) => candidate.backend.name === backendName);
    if (!entry) throw new ProtocolError(`endpoint backend "${backendName ?? '(none)'}" is not a backend of model ${state.model.name}`);
    const backend = entry.backend;
    // The prepared first attempt removes x-aigw-direct on its way out: still here, it never
    // happened, and Envoy chose this backend for the first attempt instead.
    const headers = readHeaders(message.request_headers);
    if (headers.has(DIRECT_HEADER)) state.attempts = 0;
    state.attempts += 1;
    this.context.metrics.attempts.inc({ model: state.model.name, backend: backend.name });
    const failure = state.directFailure;
    if (failure?.backend === backend.name) {
      state.directFailure = undefined;
      throw failure.error;
    }
    if (!backend.credential && backend.credentialProblem) {
      throw new GatewayError(503, 'server_error', 'backend_credential_missing', `Backend "${backend.name}" has no credential: ${backend.credentialProblem}.`);
    }
    const translator = createTranslator(state.request, { backend, upstreamModel: entry.upstreamModel, maxStreamEventBytes: state.config.limits.maxStreamEventBytes });
    state.backend = backend;
    state.translator = translator;
    const client = clientHeaders(state.config, backend, state.clientHeaders);
    const clear = [...CREDENTIAL_HEADERS, ...state.model.upstreamHeaders, ...(state.direct?.headers ?? []), ...client.remove];
    const upstream = translator.requestBody();
    // Guardrails that read responses are the request's; a failover attempt's translator decides the rest.
    const hold = translator.responsePassesThrough !== true || state.guardrailsReadResponses === true;
    const answer = (value: UpstreamRequest): ProcessingResponse => replaceRequest(backend, { ...value, headers: { ...client.set, ...value.headers } }, clear, { warning: translator.warnings.join('; '), hold });
    return upstream instanceof Promise ? upstream.then(answer) : answer(upstream);
  }

  private fail(error: unknown): ProcessingResponse {
    const gatewayError =
      error instanceof GatewayError
        ? error
        : new GatewayError(500, 'server_error', 'internal_error', 'The gateway failed to prepare the upstream request.', null, false);
    if (!(error instanceof GatewayError)) {
      this.context.metrics.processingErrors.inc({ kind: error instanceof ProtocolError ? 'protocol' : 'internal' });
      this.context.logger.error('upstream processor failed', { error: (error as Error).message });
    }
    return immediateResponse(gatewayError.status, errorJson(this.shape, gatewayError), { 'content-type': 'application/json' }, `aigw_${gatewayError.code ?? 'error'}`);
  }
}

/**
 * The backend name Envoy's chosen endpoint carries in its metadata. Envoy 1.36 sends
 * the Metadata attribute as protobuf text format in a string; later versions may send
 * it as a Struct, so both are read. Backend names are [A-Za-z0-9_.-] (config schema),
 * so the text form needs no unescaping.
 */
export function backendOf(message: Pick<ProcessingRequest__Output, 'attributes'>): string | undefined {
  const attribute = structPath(message.attributes?.[EXT_PROC_ATTRIBUTES], HOST_METADATA_ATTRIBUTE);
  if (attribute?.structValue) {
    return structPath(attribute.structValue, 'filter_metadata', METADATA_NAMESPACE, 'backend')?.stringValue || undefined;
  }
  const text = attribute?.stringValue ?? '';
  const namespaceAt = text.indexOf(`key: "${METADATA_NAMESPACE}"`);
  if (namespaceAt === -1) return undefined;
  const match = /key: "backend" value \{ string_value: "([A-Za-z0-9_.-]+)" \}/.exec(text.slice(namespaceAt));
  return match?.[1];
}

/**
 * The conditional client headers for this attempt (client-headers.ts): those its backend may
 * have are set from the values the client sent; the others go. An OpenAI organization or
 * project belongs to the client's account, never the backend's.
 */
function clientHeaders(config: RuntimeConfig, backend: RuntimeBackend, sent: ReadonlyMap<string, string>): { set: Record<string, string>; remove: string[] } {
  const accepted = new Set(acceptedClientHeaders(backend));
  const set: Record<string, string> = {};
  const remove = ['openai-organization', 'openai-project'];
  for (const name of conditionalClientHeaders(config)) {
    const kept = sent.get(name);
    if (accepted.has(name) && kept !== undefined) set[name] = kept;
    else remove.push(name);
  }
  return { set, remove };
}

/**
 * The headers response that sends this attempt's translated request instead of the client's.
 * Its metadata tells the Lua filter about the response this attempt will bring: the warnings
 * of this backend (replacing the first attempt's), and the headers it sent (their credential
 * values are taken out of any response header that echoes them).
 */
function replaceRequest(backend: RuntimeBackend, upstream: UpstreamRequest, clear: readonly string[], response: { warning: string; hold: boolean }): ProcessingResponse {
  const set: Record<string, string> = {
    // Not the client's accept-encoding: the gateway reads (and mostly rewrites) every body, so
    // it asks for plain bytes; a provider that compresses anyway is decoded (content-decoding.ts).
    'accept-encoding': 'identity',
    ...upstream.headers,
    ':path': upstream.path,
    ':authority': backend.authority,
    [HEADER.contentLength]: String(upstream.body.length),
  };
  const remove = [...new Set(clear)].filter((name) => !(name in set));
  return {
    request_headers: {
      response: {
        status: 'CONTINUE_AND_REPLACE',
        header_mutation: headerMutation(set, remove),
        body_mutation: { body: upstream.body },
      },
    },
    dynamic_metadata: toStruct({ [LUA_NAMESPACE]: response, [UPSTREAM_HEADERS_NAMESPACE]: upstream.headers }),
  };
}
