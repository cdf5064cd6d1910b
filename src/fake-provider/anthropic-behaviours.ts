/**
 * Default replies in the Anthropic Messages API wire format (`POST .../v1/messages`).
 *
 * Deterministic like the OpenAI defaults: the reply is "Hello from <name>", output tokens are
 * fixed and input tokens are derived from word counts, so tests can assert exact bodies.
 */
import type { Behaviour, DefaultContext, RecordedRequest } from './behaviours';
import { chatPromptTokens, contentWords, DEFAULT_MODEL, FAKE_COMPLETION_TOKENS, isRecord } from './tokens';

/** Anthropic's error body: `{"type":"error","error":{"type":errorType,"message":message}}`. */
export function anthropicErrorBody(errorType: string, message: string): Record<string, unknown> {
  return { type: 'error', error: { type: errorType, message } };
}

/** Turns an 'anthropic-error' behaviour into the 'json' behaviour that writes it. */
export function anthropicErrorAsJson(behaviour: Extract<Behaviour, { kind: 'anthropic-error' }>): Behaviour {
  const { status, errorType, message, headers } = behaviour;
  return { kind: 'json', status, body: anthropicErrorBody(errorType, message), headers };
}

function invalidRequest(message: string): Behaviour {
  return { kind: 'anthropic-error', status: 400, errorType: 'invalid_request_error', message };
}

/** Input tokens = words in `system` and in message text + 3 per message, as for OpenAI chat. */
export function anthropicInputTokens(json: Record<string, unknown>): number {
  return chatPromptTokens(json.messages) + contentWords(json.system);
}

/** Only the checks that Anthropic always makes and that clients are likely to get wrong. */
function validationError(json: Record<string, unknown>): Behaviour | undefined {
  // Unlike OpenAI's, Anthropic's max_tokens is required; the messages mirror Anthropic's wording.
  if (json.max_tokens === undefined) return invalidRequest('max_tokens: Field required');
  if (!Number.isInteger(json.max_tokens)) return invalidRequest('max_tokens: Input should be a valid integer');
  if (json.messages === undefined) return invalidRequest('messages: Field required');
  if (!Array.isArray(json.messages)) return invalidRequest('messages: Input should be a valid list');
  return undefined;
}

function usage(inputTokens: number, outputTokens: number): Record<string, unknown> {
  return { input_tokens: inputTokens, output_tokens: outputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
}

/** Fields shared by the non-streaming reply and the streamed `message_start`, in Anthropic's key order. */
interface MessageHead {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
}

function streamEvents(head: MessageHead, inputTokens: number, reply: string): Behaviour {
  const named: Array<[string, string]> = [];
  const add = (payload: { type: string } & Record<string, unknown>): void => {
    named.push([payload.type, JSON.stringify(payload)]);
  };
  add({
    type: 'message_start',
    // As Anthropic does: empty content, no stop reason yet, and 1 output token so far.
    message: { ...head, content: [], stop_reason: null, stop_sequence: null, usage: usage(inputTokens, 1) },
  });
  add({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
  // Written literally because Anthropic sends this one with a space after the colon.
  named.push(['ping', '{"type": "ping"}']);
  reply.split(' ').forEach((word, index) => {
    add({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: index === 0 ? word : ` ${word}` } });
  });
  add({ type: 'content_block_stop', index: 0 });
  add({
    type: 'message_delta',
    delta: { stop_reason: 'end_turn', stop_sequence: null },
    usage: { output_tokens: FAKE_COMPLETION_TOKENS },
  });
  add({ type: 'message_stop' });
  return { kind: 'sse', events: named.map(([, data]) => data), eventNames: named.map(([name]) => name) };
}

/** The default reply to a POST on the Anthropic messages path, including its 400s. */
export function anthropicDefaultBehaviour(request: RecordedRequest, context: DefaultContext): Behaviour {
  const json = request.json;
  if (!isRecord(json)) {
    return invalidRequest('There was an issue with the request body: expected a JSON object.');
  }
  const invalid = validationError(json);
  if (invalid !== undefined) return invalid;

  const reply = `Hello from ${context.name}`;
  const head: MessageHead = {
    id: context.nextMessageId(),
    type: 'message',
    role: 'assistant',
    model: typeof json.model === 'string' ? json.model : DEFAULT_MODEL,
  };
  const inputTokens = anthropicInputTokens(json);
  if (json.stream === true) return streamEvents(head, inputTokens, reply);
  // Key order mirrors Anthropic's responses, so byte-level comparisons in tests are meaningful.
  const body = {
    ...head,
    content: [{ type: 'text', text: reply }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: usage(inputTokens, FAKE_COMPLETION_TOKENS),
  };
  return { kind: 'json', status: 200, body };
}
