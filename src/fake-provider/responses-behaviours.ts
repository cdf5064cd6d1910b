import type { Behaviour, DefaultContext } from './behaviours';
import { FAKE_COMPLETION_TOKENS, countWords, isRecord } from './tokens';

/**
 * OpenAI Responses API defaults (POST …/responses), following the API reference:
 * a `response` object, or with `stream: true` the typed event stream ending in
 * `response.completed`, which carries the usage.
 */

function inputTokens(input: unknown, instructions: unknown): number {
  let words = typeof instructions === 'string' ? countWords(instructions) : 0;
  if (typeof input === 'string') return words + countWords(input) + 3;
  if (!Array.isArray(input)) return words;
  for (const item of input) {
    if (!isRecord(item)) continue;
    if (typeof item.content === 'string') words += countWords(item.content);
    else if (Array.isArray(item.content)) {
      for (const part of item.content) if (isRecord(part) && typeof part.text === 'string') words += countWords(part.text);
    }
  }
  return words + 3 * input.length;
}

/** The default answer to a Responses API request. */
export function responsesDefaultBehaviour(body: Record<string, unknown>, context: DefaultContext): Behaviour {
  const id = `resp_fake_${context.nextCompletionId().replace(/^chatcmpl-fake-/, '')}`;
  const model = typeof body.model === 'string' ? body.model : 'fake-model';
  const text = `Hello from ${context.name}`;
  const input = inputTokens(body.input, body.instructions);
  const usage = {
    input_tokens: input,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: FAKE_COMPLETION_TOKENS,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: input + FAKE_COMPLETION_TOKENS,
  };
  const message = { id: `msg_${id}`, type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] };
  const response = (status: string, output: unknown[], withUsage: boolean): Record<string, unknown> => ({
    id,
    object: 'response',
    created_at: 1700000000,
    status,
    model,
    output,
    usage: withUsage ? usage : null,
  });
  if (body.stream !== true) return { kind: 'json', status: 200, body: response('completed', [message], true) };
  const words = text.split(' ');
  const events: Array<[string, unknown]> = [
    ['response.created', { type: 'response.created', sequence_number: 0, response: response('in_progress', [], false) }],
    ['response.output_item.added', { type: 'response.output_item.added', sequence_number: 1, output_index: 0, item: { ...message, status: 'in_progress', content: [] } }],
    ...words.map((word, index): [string, unknown] => [
      'response.output_text.delta',
      { type: 'response.output_text.delta', sequence_number: 2 + index, item_id: message.id, output_index: 0, content_index: 0, delta: index === 0 ? word : ` ${word}` },
    ]),
    ['response.output_text.done', { type: 'response.output_text.done', sequence_number: 2 + words.length, item_id: message.id, output_index: 0, content_index: 0, text }],
    ['response.completed', { type: 'response.completed', sequence_number: 3 + words.length, response: response('completed', [message], true) }],
  ];
  return { kind: 'sse', events: events.map(([, data]) => JSON.stringify(data)), eventNames: events.map(([name]) => name) };
}
