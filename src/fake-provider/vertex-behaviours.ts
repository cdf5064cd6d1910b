/**
 * Vertex AI's Claude endpoints (rawPredict / streamRawPredict under
 * `/v1/projects/{project}/locations/{location}/publishers/anthropic/models/{model}`): the
 * Anthropic defaults, answering a body that carries `anthropic_version: vertex-2023-10-16` and
 * no `model` (Vertex's Claude reference). Gemini on Vertex needs nothing here: its paths end
 * in `:generateContent` / `:streamGenerateContent` like the Gemini API's.
 */
import type { Behaviour, DefaultContext, RecordedRequest } from './behaviours';
import { countWords, isRecord } from './tokens';

/** Vertex Claude paths, after any baseUrl prefix. */
export const VERTEX_CLAUDE_PATH = /\/publishers\/anthropic\/models\/([^/:]+):(rawPredict|streamRawPredict)$/;

function googleError(status: number, code: string, message: string): Behaviour {
  return { kind: 'json', status, body: { error: { code: status, message, status: code } } };
}

/** The default reply to a Vertex Claude call; 401 without a bearer token, 400 for a body Vertex would refuse. */
export function vertexClaudeBehaviour(request: RecordedRequest, context: DefaultContext, anthropic: (request: RecordedRequest, context: DefaultContext) => Behaviour): Behaviour {
  if (!/^Bearer \S+$/.test(request.headers.authorization ?? '')) return googleError(401, 'UNAUTHENTICATED', 'Request is missing required authentication credential.');
  const match = VERTEX_CLAUDE_PATH.exec(request.path.split('?')[0]);
  const json = request.json;
  if (!match || !isRecord(json)) return googleError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
  if (json.anthropic_version !== 'vertex-2023-10-16') return { kind: 'anthropic-error', status: 400, errorType: 'invalid_request_error', message: 'anthropic_version: vertex-2023-10-16 is required' };
  if ('model' in json) return { kind: 'anthropic-error', status: 400, errorType: 'invalid_request_error', message: 'model: Extra inputs are not permitted' };
  const asAnthropic = { ...json, model: decodeURIComponent(match[1]) };
  delete (asAnthropic as Record<string, unknown>).anthropic_version;
  return anthropic({ ...request, json: asAnthropic, body: JSON.stringify(asAnthropic) }, context);
}

/** Vertex text-embedding predictions, after any baseUrl prefix. */
export const VERTEX_PREDICT_PATH = /\/publishers\/google\/models\/[^/:]+:predict$/;

/**
 * The default reply to `:predict` for a text-embedding model: one prediction per instance,
 * each `{embeddings: {values, statistics: {token_count, truncated}}}` (Vertex text embeddings
 * reference); the token count is the instance's word count.
 */
export function vertexPredictBehaviour(request: RecordedRequest): Behaviour {
  if (!/^Bearer \S+$/.test(request.headers.authorization ?? '')) return googleError(401, 'UNAUTHENTICATED', 'Request is missing required authentication credential.');
  const json = request.json;
  const instances = isRecord(json) && Array.isArray(json.instances) ? json.instances : undefined;
  if (!instances || !instances.every((instance: unknown) => isRecord(instance) && typeof instance.content === 'string')) {
    return googleError(400, 'INVALID_ARGUMENT', 'instances must be a list of {content}.');
  }
  const predictions = instances.map((instance) => ({
    embeddings: { values: [0.5, 0.25, -0.125], statistics: { token_count: countWords(String((instance as { content: string }).content)), truncated: false } },
  }));
  return { kind: 'json', status: 200, body: { predictions, metadata: { billableCharacterCount: 0 } } };
}
