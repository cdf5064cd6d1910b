/**
 * OpenAI legacy completions defaults (POST …/completions, completions API reference): a
 * `text_completion` object with one choice per prompt and `n`, or with `stream: true` its
 * chunks, a usage-only chunk when `stream_options.include_usage` asks, and `[DONE]`.
 */
import type { Behaviour, DefaultContext } from './behaviours';
import { errorBehaviour, FAKE_CREATED } from './behaviours';
import { countWords, FAKE_COMPLETION_TOKENS, isRecord } from './tokens';

/** The prompts of a request: strings, or token id arrays (one prompt each). */
function prompts(prompt: unknown): Array<string | number[]> | undefined {
  if (typeof prompt === 'string') return [prompt];
  if (!Array.isArray(prompt) || prompt.length === 0) return undefined;
  if (prompt.every((item) => typeof item === 'number')) return [prompt as number[]];
  if (prompt.every((item) => typeof item === 'string' || (Array.isArray(item) && item.every((id) => typeof id === 'number')))) return prompt as Array<string | number[]>;
  return undefined;
}

/** Prompt tokens: words of each string prompt, one per token id. */
function promptTokens(all: ReadonlyArray<string | number[]>): number {
  return all.reduce<number>((sum, prompt) => sum + (typeof prompt === 'string' ? countWords(prompt) : prompt.length), 0);
}

/** The default answer to a legacy completions request, or OpenAI's 400 for a prompt it cannot read. */
export function completionsDefaultBehaviour(body: Record<string, unknown>, context: DefaultContext): Behaviour {
  const all = prompts(body.prompt);
  if (!all) return errorBehaviour(400, "Invalid type for 'prompt'.", 'invalid_request_error', 'invalid_type', 'prompt');
  const id = context.nextCompletionId().replace(/^chatcmpl-/, 'cmpl-');
  const model = typeof body.model === 'string' ? body.model : 'fake-model';
  const n = typeof body.n === 'number' && body.n > 0 ? body.n : 1;
  const text = ` Hello from ${context.name}`;
  const count = all.length * n;
  const input = promptTokens(all);
  const usage = { prompt_tokens: input, completion_tokens: FAKE_COMPLETION_TOKENS * count, total_tokens: input + FAKE_COMPLETION_TOKENS * count };
  const indexes = Array.from({ length: count }, (_, index) => index);
  const head = { id, object: 'text_completion', created: FAKE_CREATED, model };
  if (body.stream !== true) {
    const choices = indexes.map((index) => ({ text, index, logprobs: null, finish_reason: 'stop' }));
    return { kind: 'json', status: 200, body: { ...head, choices, usage } };
  }
  const words = text.trimStart().split(' ');
  const events: string[] = [];
  for (const index of indexes) {
    words.forEach((word, at) => {
      const last = at === words.length - 1;
      events.push(JSON.stringify({ ...head, choices: [{ text: ` ${word}`, index, logprobs: null, finish_reason: last ? 'stop' : null }] }));
    });
  }
  const options = body.stream_options;
  if (isRecord(options) && options.include_usage === true) events.push(JSON.stringify({ ...head, choices: [], usage }));
  events.push('[DONE]');
  return { kind: 'sse', events };
}
