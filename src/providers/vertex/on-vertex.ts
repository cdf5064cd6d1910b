import type { RuntimeBackend } from '../../config/runtime';
import { tokenUnavailable } from '../../credentials/token-source';
import { GatewayError } from '../../errors';
import { DelegatingTranslator } from '../delegating-translator';
import type { Translator, UpstreamRequest } from '../translator';

/** Vertex AI serves Anthropic's models under this version, in the body (Vertex's Claude reference). */
export const VERTEX_ANTHROPIC_VERSION = 'vertex-2023-10-16';

/** Claude models on Vertex are named claude-…@date; every other model is Google's. */
export function isClaudeModel(model: string): boolean {
  return /^claude/i.test(model);
}

/** `/v1/projects/{project}/locations/{location}/publishers/{publisher}/models/{model}:{method}` under the baseUrl. */
export function vertexPath(backend: RuntimeBackend, publisher: 'google' | 'anthropic', model: string, method: string): string {
  const gcp = backend.gcp;
  if (!gcp) throw new Error(`backend ${backend.name} has no gcp settings`);
  // Vertex's own examples keep the @ of claude-sonnet-4-5@20250929 as it is.
  const id = encodeURIComponent(model).replace(/%40/g, '@');
  return `${backend.pathPrefix}/v1/projects/${gcp.project}/locations/${gcp.location}/publishers/${publisher}/models/${id}:${method}`;
}

/** An access token for the backend: from its GCP token source, or a fixed credential (a 503 GatewayError when there is none). */
export async function bearer(backend: RuntimeBackend): Promise<string> {
  if (backend.tokenSource) {
    try {
      return (await backend.tokenSource.token()).reveal();
    } catch (error) {
      // Messages from the token endpoint name the problem (invalid_grant, 401); they carry no secret.
      throw tokenUnavailable(backend.name, backend.tokenSource, ((error as Error).message || 'unknown error').slice(0, 200));
    }
  }
  if (backend.credential) return backend.credential.secret.reveal();
  throw new GatewayError(503, 'server_error', 'backend_credential_missing', `Backend "${backend.name}" has no credential.`);
}

/** Headers another provider's translator sets that mean nothing (or the wrong thing) to Vertex. */
const FOREIGN_HEADERS = ['x-goog-api-key', 'x-api-key', 'anthropic-version', 'authorization', 'api-key'];

/**
 * A translator for Vertex AI built from the one for the model's own provider: Vertex serves
 * Gemini with the Gemini API's bodies and streams, and Claude with Anthropic's Messages API,
 * so only the request's path, body envelope and credentials differ. `rewrite` moves them; the
 * response side is the inner translator's, untouched.
 */
export class OnVertex extends DelegatingTranslator {
  constructor(
    inner: Translator,
    private readonly backend: RuntimeBackend,
    private readonly rewrite: (upstream: UpstreamRequest) => { path: string; body: Buffer },
  ) {
    super(inner);
  }

  override async requestBody(): Promise<UpstreamRequest> {
    const upstream = await this.inner.requestBody();
    const { path, body } = this.rewrite(upstream);
    const headers: Record<string, string> = { ...upstream.headers };
    for (const name of FOREIGN_HEADERS) delete headers[name];
    headers.authorization = `Bearer ${await bearer(this.backend)}`;
    return { path, headers, body };
  }
}

/** Gemini on Vertex: the Gemini API body at the Google publisher's path (same method, `alt=sse` kept). */
export function geminiOnVertex(backend: RuntimeBackend, model: string): (upstream: UpstreamRequest) => { path: string; body: Buffer } {
  return (upstream) => {
    const method = /:([A-Za-z]+(?:\?alt=sse)?)$/.exec(upstream.path)?.[1] ?? 'generateContent';
    return { path: vertexPath(backend, 'google', model, method), body: upstream.body };
  };
}

/** Claude on Vertex: Anthropic's body without `model`, with anthropic_version, at rawPredict or streamRawPredict. */
export function claudeOnVertex(backend: RuntimeBackend, model: string): (upstream: UpstreamRequest) => { path: string; body: Buffer } {
  return (upstream) => {
    const body = JSON.parse(upstream.body.toString('utf8')) as Record<string, unknown>;
    const rewritten: Record<string, unknown> = { anthropic_version: VERTEX_ANTHROPIC_VERSION, ...body };
    delete rewritten.model;
    const method = body.stream === true ? 'streamRawPredict' : 'rawPredict';
    return { path: vertexPath(backend, 'anthropic', model, method), body: Buffer.from(JSON.stringify(rewritten)) };
  };
}
