import { isObject } from './stream-texts';
import type { EventEdit, JsonObject, StreamEvents, StreamTexts } from './stream-texts';
import { dataEvent } from './stream-texts';

/** Plain text fields of a chat delta: reply, refusal, reasoning (DeepSeek/vLLM `reasoning_content`, vLLM/OpenRouter `reasoning`). */
const TEXT_FIELDS = ['content', 'refusal', 'reasoning_content', 'reasoning'] as const;

/** A delta carrying `text` in the field a channel key names (`audio` is `audio.transcript`). */
function deltaWith(field: string, text: string): JsonObject {
  return field === 'audio' ? { audio: { transcript: text } } : { [field]: text };
}

/**
 * OpenAI chat chunks: per choice, `delta.content`, `refusal`, `reasoning_content`,
 * `reasoning`, `audio.transcript`, and `tool_calls[].function.arguments` (JSON text, checked
 * by value). A choice's held text goes out in its `finish_reason` chunk; text still held at
 * [DONE] (or the end) in one more chunk like the last one.
 */
export class ChatStreamEvents implements StreamEvents {
  /** The last chunk, to build a chunk for text still held at [DONE]. */
  private lastChunk: JsonObject | undefined;

  constructor(private readonly texts: StreamTexts) {}

  reads(): boolean {
    return true;
  }

  event(_name: string | undefined, chunk: JsonObject, edit: EventEdit): string {
    if (!Array.isArray(chunk.choices)) return '';
    this.lastChunk = chunk;
    for (const choice of chunk.choices) {
      if (!isObject(choice) || !isObject(choice.delta)) continue;
      this.choice(Number(choice.index ?? 0), choice.delta, choice.finish_reason !== null && choice.finish_reason !== undefined, edit);
    }
    return '';
  }

  private choice(index: number, delta: JsonObject, final: boolean, edit: EventEdit): void {
    const texts = this.texts;
    for (const field of TEXT_FIELDS) {
      const key = `${index}/${field}`;
      if (typeof delta[field] === 'string') edit.set(delta, field, texts.text(key, delta[field]));
      const rest = final ? texts.take(key) : '';
      if (rest) edit.set(delta, field, (typeof delta[field] === 'string' ? delta[field] : '') + rest);
    }
    const audioKey = `${index}/audio`;
    const audio = isObject(delta.audio) ? delta.audio : undefined;
    if (audio && typeof audio.transcript === 'string') edit.set(audio, 'transcript', texts.text(audioKey, audio.transcript));
    const audioRest = final ? texts.take(audioKey) : '';
    if (audioRest) {
      if (audio) edit.set(audio, 'transcript', (typeof audio.transcript === 'string' ? audio.transcript : '') + audioRest);
      else edit.set(delta, 'audio', { transcript: audioRest });
    }
    const calls = Array.isArray(delta.tool_calls) ? delta.tool_calls : [];
    for (const call of calls) {
      if (!isObject(call) || !isObject(call.function) || typeof call.function.arguments !== 'string') continue;
      edit.set(call.function, 'arguments', texts.json(`${index}/tool/${String(call.index ?? 0)}`, call.function.arguments));
    }
    if (!final) return;
    for (const key of texts.keys().filter((k) => k.startsWith(`${index}/tool/`))) {
      const rest = texts.take(key);
      if (!rest) continue;
      calls.push({ index: Number(key.split('/')[2]), function: { arguments: rest } });
      edit.changed = true;
    }
    if (calls.length > 0) edit.set(delta, 'tool_calls', calls);
  }

  /** At [DONE] (or the end): text still held, in one more chunk like the last one. */
  end(): string {
    const choices: JsonObject[] = [];
    for (const key of this.texts.keys()) {
      const [index, field, toolIndex] = key.split('/');
      const rest = this.texts.take(key);
      if (!rest) continue;
      const delta = field === 'tool' ? { tool_calls: [{ index: Number(toolIndex), function: { arguments: rest } }] } : deltaWith(field, rest);
      choices.push({ index: Number(index), delta, finish_reason: null });
    }
    if (choices.length === 0) return '';
    const { id, object, created, model } = this.lastChunk ?? {};
    return dataEvent({ id, object: object ?? 'chat.completion.chunk', created, model, choices });
  }
}
