/**
 * Default replies in the Gemini API wire format (`POST .../models/{model}:generateContent` and
 * `:streamGenerateContent?alt=sse`, https://ai.google.dev/api/generate-content).
 *
 * Deterministic like the OpenAI defaults: the reply is "Hello from <name>", candidate tokens
 * are fixed and prompt tokens are derived from word counts, so tests can assert exact bodies.
 */
import type { Behaviour, DefaultContext, RecordedRequest } from './behaviours';
import { FAKE_EMBEDDING } from './behaviours';
import { countWords, FAKE_COMPLETION_TOKENS, isRecord } from './tokens';
import { geminiToolNameViolation } from './tool-name-checks';

/** Google's error body: `{"error":{"code","message","status"}}`. */
export function geminiErrorBehaviour(code: number, message: string, status: string): Behaviour {
  return { kind: 'json', status: code, body: { error: { code, message, status } } };
}

/** Words in a Gemini content's text parts. */
function partWords(content: unknown): number {
  if (!isRecord(content) || !Array.isArray(content.parts)) return 0;
  return content.parts.reduce<number>((sum, part: unknown) => sum + (isRecord(part) && typeof part.text === 'string' ? countWords(part.text) : 0), 0);
}

/** Prompt tokens = words in `systemInstruction` and every content's text parts + 3 per content, as for OpenAI chat. */
export function geminiPromptTokens(json: Record<string, unknown>): number {
  const contents = Array.isArray(json.contents) ? json.contents : [];
  return contents.reduce<number>((sum, content: unknown) => sum + partWords(content) + 3, partWords(json.systemInstruction));
}

/** The model named in the path: `/v1beta/models/{model}:method`. */
function modelOf(pathname: string): string {
  const match = /\/models\/([^/:]+):/.exec(pathname);
  return match ? decodeURIComponent(match[1]) : 'fake-model';
}

function usageMetadata(promptTokens: number, candidatesTokens: number | undefined): Record<string, unknown> {
  if (candidatesTokens === undefined) return { promptTokenCount: promptTokens, totalTokenCount: promptTokens };
  return { promptTokenCount: promptTokens, candidatesTokenCount: candidatesTokens, totalTokenCount: promptTokens + candidatesTokens };
}

/**
 * `batchEmbedContents` (https://ai.google.dev/api/embeddings): FAKE_EMBEDDING for every request,
 * truncated to `outputDimensionality` when asked; no usage, as Gemini reports none. Each
 * request must name the path's model as `models/{model}`, or it is Gemini's 400.
 */
function geminiEmbeddings(json: unknown, model: string): Behaviour {
  const requests = isRecord(json) && Array.isArray(json.requests) ? json.requests : [];
  const valid = requests.length > 0 && requests.every((request: unknown) => isRecord(request) && request.model === `models/${model}` && isRecord(request.content));
  if (!valid) return geminiErrorBehaviour(400, 'Invalid JSON payload received. Expected "requests" for this model.', 'INVALID_ARGUMENT');
  const embeddings = requests.map((request: unknown) => {
    const size = isRecord(request) && typeof request.outputDimensionality === 'number' ? request.outputDimensionality : FAKE_EMBEDDING.length;
    return { values: FAKE_EMBEDDING.slice(0, size) };
  });
  return { kind: 'json', status: 200, body: { embeddings } };
}

/** The default reply to a POST on a Gemini generate path, including its 400 for a bad body. */
export function geminiDefaultBehaviour(request: RecordedRequest, context: DefaultContext): Behaviour {
  const json = request.json;
  const pathname = request.path.split('?')[0];
  if (pathname.endsWith(':batchEmbedContents')) return geminiEmbeddings(json, modelOf(pathname));
  if (!isRecord(json) || !Array.isArray(json.contents)) {
    return geminiErrorBehaviour(400, 'Invalid JSON payload received. Expected an object with "contents".', 'INVALID_ARGUMENT');
  }
  const badName = geminiToolNameViolation(json);
  if (badName !== undefined) return geminiErrorBehaviour(400, badName, 'INVALID_ARGUMENT');
  const reply = `Hello from ${context.name}`;
  const promptTokens = geminiPromptTokens(json);
  const head = { modelVersion: modelOf(pathname), responseId: context.nextCompletionId() };
  if (!pathname.endsWith(':streamGenerateContent')) {
    // Key order mirrors Gemini's responses, so byte-level comparisons in tests are meaningful.
    const candidate = { content: { parts: [{ text: reply }], role: 'model' }, finishReason: 'STOP', index: 0 };
    return { kind: 'json', status: 200, body: { candidates: [candidate], usageMetadata: usageMetadata(promptTokens, FAKE_COMPLETION_TOKENS), ...head } };
  }
  // One event per word; the last carries finishReason and the final (cumulative) usage, as Gemini's do.
  const words = reply.split(' ');
  const events = words.map((word, index) => {
    const last = index === words.length - 1;
    const candidate = { content: { parts: [{ text: index === 0 ? word : ` ${word}` }], role: 'model' }, ...(last ? { finishReason: 'STOP' } : {}), index: 0 };
    return JSON.stringify({ candidates: [candidate], usageMetadata: usageMetadata(promptTokens, last ? FAKE_COMPLETION_TOKENS : undefined), ...head });
  });
  return { kind: 'sse', events };
}
