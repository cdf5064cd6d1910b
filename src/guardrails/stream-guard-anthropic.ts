import { mapAnthropicResponseBlock, mapResponseTexts } from './response-texts';
import { isObject, namedEvent } from './stream-texts';
import type { EventEdit, JsonObject, StreamEvents, StreamTexts } from './stream-texts';

/** Events that can carry text; the rest (`message_delta`, `ping`, …) pass unparsed. */
const READS = new Set(['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop']);

/** The delta type and its text field for each kind of channel of a block. */
const DELTAS = {
  text: { type: 'text_delta', field: 'text' },
  json: { type: 'input_json_delta', field: 'partial_json' },
  thinking: { type: 'thinking_delta', field: 'thinking' },
} as const;
type Kind = keyof typeof DELTAS;

/**
 * Anthropic Messages events: `text_delta`, `thinking_delta`, `input_json_delta` (JSON text,
 * checked by value) through channels per block; whole texts in `content_block_start` (a text
 * or thinking block's text, a tool's `input`), `citations_delta` `cited_text`, and content in
 * `message_start`. A block's held text goes out before its `content_block_stop`; a thinking
 * block's before its `signature_delta`, whose signature is emptied when a redaction changed
 * the block's text (the signature covers the text; Anthropic would refuse it as it is).
 */
export class AnthropicStreamEvents implements StreamEvents {
  constructor(private readonly texts: StreamTexts) {}

  reads(name: string | undefined): boolean {
    return name === undefined || READS.has(name);
  }

  event(name: string | undefined, data: JsonObject, edit: EventEdit): string {
    const index = Number(data.index ?? 0);
    switch (name) {
      case 'message_start':
        if (isObject(data.message) && Array.isArray(data.message.content) && data.message.content.length > 0) {
          edit.set(data, 'message', mapResponseTexts('anthropic-messages', data.message, (text) => this.texts.whole(text)));
        }
        return '';
      case 'content_block_start':
        if (isObject(data.content_block)) this.blockStart(index, data.content_block, edit);
        return '';
      case 'content_block_delta':
        return isObject(data.delta) ? this.delta(index, data.delta, edit) : '';
      case 'content_block_stop':
        return this.release(index, ['text', 'json', 'thinking']);
      default:
        return '';
    }
  }

  /** Text a block starts with begins its stream; a tool's `input`, a signed thinking block, a citation are whole. */
  private blockStart(index: number, block: JsonObject, edit: EventEdit): void {
    const whole = (text: string): string => this.texts.whole(text);
    const signed = typeof block.signature === 'string' && block.signature !== '';
    if (block.type === 'text' && typeof block.text === 'string') {
      if (block.text !== '') edit.set(block, 'text', this.texts.text(`${index}/text`, block.text));
      if (Array.isArray(block.citations)) edit.set(block, 'citations', (mapAnthropicResponseBlock({ type: 'text', citations: block.citations }, whole) as JsonObject).citations);
    } else if (block.type === 'thinking' && typeof block.thinking === 'string' && !signed) {
      if (block.thinking !== '') edit.set(block, 'thinking', this.texts.text(`${index}/thinking`, block.thinking));
    } else {
      const checked = mapAnthropicResponseBlock(block, whole) as JsonObject;
      for (const key of Object.keys(checked)) edit.set(block, key, checked[key]);
    }
  }

  private delta(index: number, delta: JsonObject, edit: EventEdit): string {
    const texts = this.texts;
    switch (delta.type) {
      case 'text_delta':
        if (typeof delta.text === 'string') edit.set(delta, 'text', texts.text(`${index}/text`, delta.text));
        return '';
      case 'input_json_delta':
        if (typeof delta.partial_json === 'string') edit.set(delta, 'partial_json', texts.json(`${index}/json`, delta.partial_json));
        return '';
      case 'thinking_delta':
        if (typeof delta.thinking === 'string') edit.set(delta, 'thinking', texts.text(`${index}/thinking`, delta.thinking));
        return '';
      case 'signature_delta': {
        const before = this.release(index, ['thinking']);
        if (texts.wasRedacted(`${index}/thinking`) && typeof delta.signature === 'string') edit.set(delta, 'signature', '');
        return before;
      }
      case 'citations_delta':
        if (isObject(delta.citation) && typeof delta.citation.cited_text === 'string') edit.set(delta.citation, 'cited_text', texts.whole(delta.citation.cited_text));
        return '';
      default:
        return '';
    }
  }

  /** What a block's channels of these kinds still hold, as one more delta each. */
  private release(index: number, kinds: readonly Kind[]): string {
    let out = '';
    for (const kind of kinds) {
      const rest = this.texts.take(`${index}/${kind}`);
      if (rest) out += deltaEvent(index, kind, rest);
    }
    return out;
  }

  end(): string {
    let out = '';
    for (const key of this.texts.keys()) {
      const [index, kind] = key.split('/');
      const rest = this.texts.take(key);
      if (rest) out += deltaEvent(Number(index), kind as Kind, rest);
    }
    return out;
  }
}

function deltaEvent(index: number, kind: Kind, text: string): string {
  const { type, field } = DELTAS[kind];
  return namedEvent('content_block_delta', { type: 'content_block_delta', index, delta: { type, [field]: text } });
}
