import { errorJson } from '../api/error-shape';
import type { ErrorShape } from '../api/error-shape';
import { GatewayError } from '../errors';
import type { ProcessingRequest__Output } from '../generated/envoy/service/ext_proc/v3/ProcessingRequest';
import type { ProcessingResponse } from '../generated/envoy/service/ext_proc/v3/ProcessingResponse';
import type { RuntimeBackend } from '../config/runtime';
import type { UpstreamRequest } from '../providers/translator';
import { createTranslator } from '../providers/registry';
import { headerMutation, immediateResponse, structPath } from './messages';
import type { RequestStore } from './request-store';
import type { ProcessorContext, StreamProcessor } from './stream-processor';
import { HEADER, METADATA_NAMESPACE, ProtocolError } from './stream-processor';

/** Envoy's attribute carrying the chosen endpoint's metadata (request_attributes in the filter config). */
const HOST_METADATA_ATTRIBUTE = 'xds.upstream_host_metadata';
const EXT_PROC_ATTRIBUTES = 'envoy.filters.http.ext_proc';

/**
 * Credential headers of every provider style. Header changes persist across retries
 * (the router reuses one header map), so each attempt clears the ones it does not set.
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
    if (!state?.request || !state.model) throw new ProtocolError(`no request state for id ${id ?? '(none)'}`);
    const backendName = backendOf(message);
    const entry = state.model.backends.find((candidate) => candidate.backend.name === backendName);
    if (!entry) throw new ProtocolError(`endpoint backend "${backendName ?? '(none)'}" is not a backend of model ${state.model.name}`);
    const backend = entry.backend;
    state.attempts += 1;
    this.context.metrics.attempts.inc({ model: state.model.name, backend: backend.name });
    if (!backend.credential && backend.credentialProblem) {
      throw new GatewayError(503, 'server_error', 'backend_credential_missing', `Backend "${backend.name}" has no credential: ${backend.credentialProblem}.`);
    }
    const translator = createTranslator(state.request, { backend, upstreamModel: entry.upstreamModel, maxStreamEventBytes: state.config.limits.maxStreamEventBytes });
    state.backend = backend;
    state.translator = translator;
    const upstream = translator.requestBody();
    return upstream instanceof Promise ? upstream.then((value) => replaceRequest(backend, value)) : replaceRequest(backend, upstream);
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
 * Client-API headers that only mean something to that API's own provider: the Anthropic SDK's
 * version and beta flags reach Anthropic backends (their translator sets the version), never
 * others; an OpenAI organization or project belongs to the client's account, not the backend's.
 */
function clientApiHeaders(backend: RuntimeBackend): string[] {
  return [...(backend.kind === 'anthropic' ? [] : ['anthropic-version', 'anthropic-beta']), 'openai-organization', 'openai-project'];
}

/** The headers response that sends this attempt's translated request instead of the client's. */
function replaceRequest(backend: RuntimeBackend, upstream: UpstreamRequest): ProcessingResponse {
  const set: Record<string, string> = {
    // Not the client's accept-encoding: the gateway reads (and mostly rewrites) every body, so
    // it asks for plain bytes; a provider that compresses anyway is decoded (content-decoding.ts).
    'accept-encoding': 'identity',
    ...upstream.headers,
    ':path': upstream.path,
    ':authority': backend.authority,
    [HEADER.contentLength]: String(upstream.body.length),
  };
  const remove = [...CREDENTIAL_HEADERS, ...clientApiHeaders(backend)].filter((name) => !(name in set));
  return {
    request_headers: {
      response: {
        status: 'CONTINUE_AND_REPLACE',
        header_mutation: headerMutation(set, remove),
        body_mutation: { body: upstream.body },
      },
    },
  };
}
