/**
 * Default replies in the Amazon Bedrock Runtime wire format: `POST .../model/{modelId}/converse`
 * (JSON) and `.../converse-stream` (an `application/vnd.amazon.eventstream` body of binary
 * frames). Converse and ConverseStream API references:
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html and
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html
 *
 * Deterministic like the other defaults: the reply is "Hello from <name>", output tokens are
 * fixed and input tokens are derived from word counts. Requests must carry a SigV4
 * authorization header for the `bedrock` service, as Bedrock requires; the fake checks its
 * form (not the signature itself, which needs the secret: the e2e tests recompute that).
 */
import { EventStreamCodec } from '@smithy/eventstream-codec';
import type { Message } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import type { Behaviour, DefaultContext, RecordedRequest } from './behaviours';
import { countWords, FAKE_COMPLETION_TOKENS, isRecord } from './tokens';

/** Converse and ConverseStream paths, after any baseUrl prefix. */
export const BEDROCK_PATH = /\/model\/[^/]+\/(converse|converse-stream)$/;
/** The form of a SigV4 authorization header scoped to Bedrock. */
const SIGV4_AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=[A-Z0-9]+\/\d{8}\/[a-z0-9-]+\/bedrock\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/;

/** Bedrock's error body `{"message":...}`, with the exception name in `x-amzn-errortype` as Bedrock sends it. */
export function bedrockErrorBehaviour(status: number, errorType: string, message: string): Behaviour {
  return { kind: 'json', status, body: { message }, headers: { 'x-amzn-errortype': errorType } };
}

/** Words in the `text` blocks of a content list. */
function blockWords(content: unknown): number {
  if (!Array.isArray(content)) return 0;
  return content.reduce<number>((sum, block: unknown) => sum + (isRecord(block) && typeof block.text === 'string' ? countWords(block.text) : 0), 0);
}

/** Input tokens = words in `system` and every message's text blocks + 3 per message, as for OpenAI chat. */
export function bedrockInputTokens(json: Record<string, unknown>): number {
  const messages = Array.isArray(json.messages) ? json.messages : [];
  return messages.reduce<number>((sum, message: unknown) => sum + (isRecord(message) ? blockWords(message.content) : 0) + 3, blockWords(json.system));
}

/** One event stream frame, encoded with valid CRCs. */
export function eventFrame(eventType: string, payload: Record<string, unknown>): Buffer {
  const headers: Message['headers'] = {
    ':event-type': { type: 'string', value: eventType },
    ':content-type': { type: 'string', value: 'application/json' },
    ':message-type': { type: 'string', value: 'event' },
  };
  return Buffer.from(new EventStreamCodec(toUtf8, fromUtf8).encode({ headers, body: fromUtf8(JSON.stringify(payload)) }));
}

/** The default reply to a POST on a Converse path, including its 403 for an unsigned request and its 400 for a bad body. */
export function bedrockDefaultBehaviour(request: RecordedRequest, context: DefaultContext): Behaviour {
  if (!SIGV4_AUTHORIZATION.test(request.headers.authorization ?? '')) return bedrockErrorBehaviour(403, 'AccessDeniedException', 'missing signature');
  const json = request.json;
  if (!isRecord(json) || !Array.isArray(json.messages)) return bedrockErrorBehaviour(400, 'ValidationException', 'Malformed input request: messages is required.');
  const reply = `Hello from ${context.name}`;
  const inputTokens = bedrockInputTokens(json);
  const usage = { inputTokens, outputTokens: FAKE_COMPLETION_TOKENS, totalTokens: inputTokens + FAKE_COMPLETION_TOKENS };
  if (!request.path.split('?')[0].endsWith('/converse-stream')) {
    // Key order mirrors Converse responses, so byte-level comparisons in tests are meaningful.
    const output = { message: { role: 'assistant', content: [{ text: reply }] } };
    return { kind: 'json', status: 200, body: { output, stopReason: 'end_turn', usage, metrics: { latencyMs: 1 } } };
  }
  const words = reply.split(' ');
  const chunks = [
    eventFrame('messageStart', { role: 'assistant' }),
    ...words.map((word, index) => eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: index === 0 ? word : ` ${word}` } })),
    eventFrame('contentBlockStop', { contentBlockIndex: 0 }),
    eventFrame('messageStop', { stopReason: 'end_turn' }),
    eventFrame('metadata', { usage, metrics: { latencyMs: 1 } }),
  ];
  return { kind: 'raw-sse', chunks, contentType: 'application/vnd.amazon.eventstream' };
}

/** InvokeModel and InvokeModelWithResponseStream paths (Anthropic models), after any baseUrl prefix. */
export const BEDROCK_INVOKE_PATH = /\/model\/([^/]+)\/(invoke|invoke-with-response-stream)$/;

/** A `chunk` frame of InvokeModelWithResponseStream: the model's own event JSON, base64 in `bytes`. */
export function invokeChunkFrame(event: string): Buffer {
  return eventFrame('chunk', { bytes: Buffer.from(event).toString('base64') });
}

/**
 * The default reply to InvokeModel for an Anthropic model: Anthropic's Messages answer (the
 * Anthropic defaults, with the model id from the path), whole, or as its stream events each in
 * a `chunk` frame. Like Bedrock, it wants SigV4, `anthropic_version: bedrock-2023-05-31` in the
 * body and no `model` or `stream` key there.
 */
export function invokeDefaultBehaviour(request: RecordedRequest, context: DefaultContext, anthropic: (request: RecordedRequest, context: DefaultContext) => Behaviour): Behaviour {
  if (!SIGV4_AUTHORIZATION.test(request.headers.authorization ?? '')) return bedrockErrorBehaviour(403, 'AccessDeniedException', 'missing signature');
  const json = request.json;
  const match = BEDROCK_INVOKE_PATH.exec(request.path.split('?')[0]);
  if (!isRecord(json) || !match) return bedrockErrorBehaviour(400, 'ValidationException', 'Malformed input request: expected a JSON object.');
  const embedding = embeddingAnswer(decodeURIComponent(match[1]), json);
  if (embedding) return embedding;
  if (json.anthropic_version !== 'bedrock-2023-05-31') return bedrockErrorBehaviour(400, 'ValidationException', 'Malformed input request: anthropic_version must be bedrock-2023-05-31.');
  const extraneous = ['model', 'stream'].find((key) => key in json);
  if (extraneous) return bedrockErrorBehaviour(400, 'ValidationException', `Malformed input request: extraneous key [${extraneous}] is not permitted.`);
  const stream = match[2] === 'invoke-with-response-stream';
  const asAnthropic = { ...json, model: decodeURIComponent(match[1]), ...(stream ? { stream: true } : {}) };
  delete (asAnthropic as Record<string, unknown>).anthropic_version;
  const answer = anthropic({ ...request, json: asAnthropic, body: JSON.stringify(asAnthropic) }, context);
  if (answer.kind !== 'sse') return answer;
  return { kind: 'raw-sse', chunks: answer.events.map(invokeChunkFrame), contentType: 'application/vnd.amazon.eventstream' };
}

/** A fixed 3-value vector for every text: what the tests compare. */
const FAKE_VECTOR = [0.25, -0.5, 0.125];

/**
 * Embedding models on InvokeModel (Bedrock model parameter references): Titan Text Embeddings
 * `{inputText}` → `{embedding, inputTextTokenCount}`; Cohere Embed v3 `{texts, input_type}` →
 * `{embeddings: [[...]], id, response_type: "embeddings_floats", texts}`; v4 answers
 * `{embeddings: {float: [[...]]}, ...}`; the input token count also goes in the
 * `x-amzn-bedrock-input-token-count` header. Undefined for other models.
 */
function embeddingAnswer(modelId: string, json: Record<string, unknown>): Behaviour | undefined {
  if (/amazon\.titan-embed-text/.test(modelId)) {
    if (typeof json.inputText !== 'string') return bedrockErrorBehaviour(400, 'ValidationException', 'Malformed input request: required key [inputText] not found');
    const tokens = countWords(json.inputText);
    return { kind: 'json', status: 200, body: { embedding: FAKE_VECTOR, inputTextTokenCount: tokens }, headers: { 'x-amzn-bedrock-input-token-count': String(tokens) } };
  }
  if (/cohere\.embed/.test(modelId)) {
    const texts = json.texts;
    if (!Array.isArray(texts) || typeof json.input_type !== 'string') return bedrockErrorBehaviour(400, 'ValidationException', 'Malformed input request: texts and input_type are required');
    const vectors = texts.map(() => FAKE_VECTOR);
    const v4 = /cohere\.embed-v4/.test(modelId);
    // Like Bedrock, the token count is only in a response header for Cohere.
    const tokens = texts.reduce<number>((sum, text: unknown) => sum + (typeof text === 'string' ? countWords(text) : 0), 0);
    const body = v4 ? { id: 'emb-fake', embeddings: { float: vectors }, response_type: 'embeddings_by_type', texts } : { id: 'emb-fake', embeddings: vectors, response_type: 'embeddings_floats', texts };
    return { kind: 'json', status: 200, body, headers: { 'x-amzn-bedrock-input-token-count': String(tokens) } };
  }
  return undefined;
}
