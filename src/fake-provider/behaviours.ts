/**
 * Request/behaviour types of the fake provider and the default OpenAI-compatible
 * responses it gives when no behaviour has been queued.
 *
 * Everything here is deterministic (fixed timestamps, fixed embeddings, token counts
 * derived from word counts) so tests can assert exact bodies and exact usage numbers.
 * Anthropic Messages defaults live in anthropic-behaviours.ts.
 */
import { completionsDefaultBehaviour } from './completions-behaviours';
import { responsesDefaultBehaviour } from './responses-behaviours';
import { anthropicDefaultBehaviour } from './anthropic-behaviours';
import { geminiDefaultBehaviour } from './gemini-behaviours';
import { VERTEX_CLAUDE_PATH, VERTEX_PREDICT_PATH, vertexClaudeBehaviour, vertexPredictBehaviour } from './vertex-behaviours';
import { BEDROCK_INVOKE_PATH, BEDROCK_PATH, bedrockDefaultBehaviour, invokeDefaultBehaviour } from './bedrock-behaviours';
import { ENTRA_TOKEN_PATH, entraTokenBehaviour } from './entra-behaviours';
import { chatPromptTokens, countWords, DEFAULT_MODEL, FAKE_COMPLETION_TOKENS, isRecord } from './tokens';

export { chatPromptTokens, countWords, FAKE_COMPLETION_TOKENS } from './tokens';

/** A request as the fake provider saw it, recorded before any response is written. */
export interface RecordedRequest {
  method: string;
  /** Including the query string, as received. */
  path: string;
  /** Lowercased names; multiple values joined with ', '. */
  headers: Record<string, string>;
  /** Raw body text (utf8). */
  body: string;
  /** `JSON.parse(body)`, or undefined when the body is not JSON. */
  json: unknown;
  /** TLS SNI name, when served over TLS and the client sent one. */
  servername?: string;
  /** `Date.now()` when the body finished. */
  receivedAt: number;
}

/** What the next matching request gets. Queued behaviours are used first (FIFO), then the default. */
export type Behaviour =
  /** `gzip`: the body is sent gzip-compressed with `content-encoding: gzip`, whatever the request accepts (some providers do). */
  | { kind: 'json'; status: number; body: unknown; headers?: Record<string, string>; gzip?: boolean }
  | { kind: 'text'; status: number; body: string; headers?: Record<string, string> }
  | {
      kind: 'sse';
      /** Each string is one event's data payload, written as `data: <payload>\n\n`. */
      events: string[];
      /**
       * SSE event names, parallel to `events` (Anthropic names every event): event i is then
       * written as `event: <name>\ndata: <payload>\n\n`. Events without a name stay data-only.
       */
      eventNames?: string[];
      /** Delay between events (default 0). */
      intervalMs?: number;
      status?: number;
      headers?: Record<string, string>;
      /** Compress the stream with gzip, flushed after every event so each still arrives on its own. */
      gzip?: boolean;
      /**
       * Stop after this many events instead of ending the stream: `drop` resets the connection
       * (an upstream failing mid-stream), `hang` sends nothing more (a stalled provider).
       */
      stopAfter?: { events: number; then: 'drop' | 'hang' };
    }
  /**
   * Raw bytes written as they are, one write per chunk (Buffers allow splits inside a UTF-8
   * character). `contentType` defaults to text/event-stream; Bedrock streams use
   * application/vnd.amazon.eventstream.
   */
  | { kind: 'raw-sse'; chunks: Array<string | Buffer>; intervalMs?: number; contentType?: string }
  /** Anthropic's error JSON `{"type":"error","error":{"type":errorType,"message":message}}`, e.g. 529 overloaded_error. */
  | { kind: 'anthropic-error'; status: number; errorType: string; message: string; headers?: Record<string, string> }
  | { kind: 'drop' }
  | { kind: 'hang' }
  /**
   * `then`, unless the request breaks a rule the provider's default answer checks (tool-call ids
   * and their pairing, tool names): then that refusal, as the real API would give it. For a
   * queued answer (a tool call, say) that must not skip the provider's checks.
   */
  | { kind: 'checked'; then: Behaviour };

/** True for a default answer that refuses the request (a 4xx or 5xx error). */
export function isRefusal(behaviour: Behaviour): boolean {
  return behaviour.kind === 'anthropic-error' || ((behaviour.kind === 'json' || behaviour.kind === 'text') && behaviour.status >= 400);
}

/** The bytes of an 'sse' behaviour, one string per event: `data: …` or, when named, `event: …\ndata: …`. */
export function sseFrames(behaviour: Extract<Behaviour, { kind: 'sse' }>): string[] {
  const names = behaviour.eventNames ?? [];
  return behaviour.events.map((data, i) =>
    names[i] === undefined ? `data: ${data}\n\n` : `event: ${names[i]}\ndata: ${data}\n\n`,
  );
}

/** What the default builders need from the server that owns them. */
export interface DefaultContext {
  /** Provider name, echoed in replies so tests can tell providers apart. */
  name: string;
  /** Returns the next per-server completion id (`chatcmpl-fake-<n>`). */
  nextCompletionId(): string;
  /** Returns the next per-server Anthropic message id (`msg_fake_<n>`), counted separately from completions. */
  nextMessageId(): string;
  /** Returns how many Entra ID tokens this server has issued, this one included (optional for older callers). */
  nextTokenNumber?(): number;
}

/** Fixed so that responses are byte-for-byte reproducible. */
export const FAKE_CREATED = 1700000000;
/** The vector returned for every embedding input. */
export const FAKE_EMBEDDING: readonly number[] = [0.1, 0.2, 0.3];

const FINGERPRINT = 'fp_fake';

/** Builds an OpenAI-shaped error reply. */
export function errorBehaviour(
  status: number,
  message: string,
  type: string,
  code: string | null,
  param: string | null = null,
): Behaviour {
  return { kind: 'json', status, body: { error: { message, type, param, code } } };
}

function modelOf(json: Record<string, unknown>): string {
  return typeof json.model === 'string' ? json.model : DEFAULT_MODEL;
}

function chatUsage(promptTokens: number): Record<string, unknown> {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: FAKE_COMPLETION_TOKENS,
    total_tokens: promptTokens + FAKE_COMPLETION_TOKENS,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function chatCompletion(json: Record<string, unknown>, context: DefaultContext): Behaviour {
  const id = context.nextCompletionId();
  const model = modelOf(json);
  const reply = `Hello from ${context.name}`;
  const usage = chatUsage(chatPromptTokens(json.messages));
  const streamOptions = json.stream_options;
  const includeUsage = isRecord(streamOptions) && streamOptions.include_usage === true;

  if (json.stream !== true) {
    return {
      kind: 'json',
      status: 200,
      body: {
        id,
        object: 'chat.completion',
        created: FAKE_CREATED,
        model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: reply, refusal: null },
            logprobs: null,
            finish_reason: 'stop',
          },
        ],
        usage,
        system_fingerprint: FINGERPRINT,
      },
    };
  }

  // Key order mirrors what OpenAI sends, so byte-level comparisons in tests are meaningful.
  const base = { id, object: 'chat.completion.chunk', created: FAKE_CREATED, model, system_fingerprint: FINGERPRINT };
  const chunk = (choice: Record<string, unknown>): string =>
    JSON.stringify(includeUsage ? { ...base, choices: [choice], usage: null } : { ...base, choices: [choice] });
  const choice = (delta: Record<string, unknown>, finishReason: string | null): Record<string, unknown> => ({
    index: 0,
    delta,
    logprobs: null,
    finish_reason: finishReason,
  });

  const events = [chunk(choice({ role: 'assistant', content: '', refusal: null }, null))];
  reply.split(' ').forEach((word, index) => {
    events.push(chunk(choice({ content: index === 0 ? word : ` ${word}` }, null)));
  });
  events.push(chunk(choice({}, 'stop')));
  if (includeUsage) events.push(JSON.stringify({ ...base, choices: [], usage }));
  events.push('[DONE]');
  return { kind: 'sse', events };
}

/** Normalises `input`: a string, strings, one token array, or token arrays — each array counts as one input. */
function embeddingInputs(input: unknown): unknown[] | undefined {
  if (typeof input === 'string') return [input];
  if (!Array.isArray(input) || input.length === 0) return undefined;
  if (input.every((item) => typeof item === 'number')) return [input];
  return input;
}

/** Words for string inputs; token arrays count their length, as they are already tokens. */
function embeddingInputTokens(input: unknown): number {
  if (typeof input === 'string') return countWords(input);
  if (Array.isArray(input)) return input.length;
  return 0;
}

function base64Embedding(): string {
  const buffer = Buffer.alloc(FAKE_EMBEDDING.length * 4);
  FAKE_EMBEDDING.forEach((value, index) => buffer.writeFloatLE(value, index * 4));
  return buffer.toString('base64');
}

function embeddings(json: Record<string, unknown>): Behaviour {
  const inputs = embeddingInputs(json.input);
  if (inputs === undefined) {
    return errorBehaviour(400, "'input' must be a non-empty string or array", 'invalid_request_error', null, 'input');
  }
  const asBase64 = json.encoding_format === 'base64';
  const promptTokens = inputs.reduce<number>((sum, input) => sum + embeddingInputTokens(input), 0);
  return {
    kind: 'json',
    status: 200,
    body: {
      object: 'list',
      data: inputs.map((_input, index) => ({
        object: 'embedding',
        index,
        embedding: asBase64 ? base64Embedding() : [...FAKE_EMBEDDING],
      })),
      model: modelOf(json),
      usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
    },
  };
}

function models(name: string): Behaviour {
  return {
    kind: 'json',
    status: 200,
    body: { object: 'list', data: [{ id: DEFAULT_MODEL, object: 'model', created: FAKE_CREATED, owned_by: name }] },
  };
}

/** Picks the default reply for a request, matching on the path suffix so any prefix (/v1, /openai/v1) works. */
export function defaultBehaviour(request: RecordedRequest, context: DefaultContext): Behaviour {
  const pathname = request.path.split('?')[0].replace(/\/+$/, '');
  const method = request.method.toUpperCase();
  // Before the OpenAI checks: a malformed body on the messages path gets Anthropic's error shape.
  if (method === 'POST' && pathname.endsWith('/v1/messages')) return anthropicDefaultBehaviour(request, context);
  // Gemini's generate paths end in `:method`, e.g. /v1beta/models/gemini-2.5-flash:generateContent.
  if (method === 'POST' && /:(generateContent|streamGenerateContent|batchEmbedContents)$/.test(pathname)) return geminiDefaultBehaviour(request, context);
  if (method === 'POST' && BEDROCK_PATH.test(pathname)) return bedrockDefaultBehaviour(request, context);
  if (method === 'POST' && ENTRA_TOKEN_PATH.test(pathname)) return entraTokenBehaviour(request, context.nextTokenNumber?.() ?? 1);
  if (method === 'POST' && BEDROCK_INVOKE_PATH.test(pathname)) return invokeDefaultBehaviour(request, context, anthropicDefaultBehaviour);
  if (method === 'POST' && VERTEX_CLAUDE_PATH.test(pathname)) return vertexClaudeBehaviour(request, context, anthropicDefaultBehaviour);
  if (method === 'POST' && VERTEX_PREDICT_PATH.test(pathname)) return vertexPredictBehaviour(request);
  const isChat = method === 'POST' && pathname.endsWith('/chat/completions');
  const isCompletions = method === 'POST' && !isChat && pathname.endsWith('/completions');
  const isEmbeddings = method === 'POST' && pathname.endsWith('/embeddings');

  // Any POST whose body does not parse gets OpenAI's 400, whatever the path.
  const unparsable = method === 'POST' && request.body.trim() !== '' && request.json === undefined;
  if (unparsable || ((isChat || isCompletions || isEmbeddings) && !isRecord(request.json))) {
    return errorBehaviour(
      400,
      'We could not parse the JSON body of your request. The OpenAI API expects a JSON object payload.',
      'invalid_request_error',
      null,
    );
  }
  if (isRecord(request.json)) {
    if (method === 'POST' && pathname.endsWith('/responses')) return responsesDefaultBehaviour(request.json, context);
    if (isChat) return chatCompletion(request.json, context);
    if (isCompletions) return completionsDefaultBehaviour(request.json, context);
    if (isEmbeddings) return embeddings(request.json);
  }
  if (method === 'GET' && pathname.endsWith('/models')) return models(context.name);
  return errorBehaviour(404, `Unknown path ${request.path}`, 'invalid_request_error', 'unknown_url');
}
