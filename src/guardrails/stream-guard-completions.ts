import { dataEvent, isObject } from './stream-texts';
import type { EventEdit, JsonObject, StreamEvents, StreamTexts } from './stream-texts';

/**
 * Legacy completions chunks: per choice, `text`. A choice's held text goes out in its
 * `finish_reason` chunk; text still held at [DONE] (or the end) in one more chunk like the last.
 */
export class CompletionsStreamEvents implements StreamEvents {
  private lastChunk: JsonObject | undefined;

  constructor(private readonly texts: StreamTexts) {}

  reads(): boolean {
    return true;
  }

  event(_name: string | undefined, chunk: JsonObject, edit: EventEdit): string {
    if (!Array.isArray(chunk.choices)) return '';
    this.lastChunk = chunk;
    for (const choice of chunk.choices) {
      if (!isObject(choice)) continue;
      const key = String(Number(choice.index ?? 0));
      if (typeof choice.text === 'string') edit.set(choice, 'text', this.texts.text(key, choice.text));
      const final = choice.finish_reason !== null && choice.finish_reason !== undefined;
      const rest = final ? this.texts.take(key) : '';
      if (rest) edit.set(choice, 'text', (typeof choice.text === 'string' ? choice.text : '') + rest);
    }
    return '';
  }

  /** At [DONE] (or the end): text still held, in one more chunk like the last one. */
  end(): string {
    const choices: JsonObject[] = [];
    for (const key of this.texts.keys()) {
      const rest = this.texts.take(key);
      if (rest) choices.push({ index: Number(key), text: rest, logprobs: null, finish_reason: null });
    }
    if (choices.length === 0) return '';
    const { id, object, created, model } = this.lastChunk ?? {};
    return dataEvent({ id, object: object ?? 'text_completion', created, model, choices });
  }
}
