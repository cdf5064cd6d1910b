import type { AnthropicErrorBody } from '../../api/anthropic-errors';
import { isRecord, isSet, parseJson } from '../anthropic/json-guards';
import { SseDecoder } from '../sse';
import type { SseEvent } from '../sse';
import type { TokenUsage } from '../usage';
import type { AnthropicBlockDelta, AnthropicMessageBody, AnthropicOutputBlock, AnthropicStopReason, AnthropicStreamOutput } from './anthropic-to-openai-types';
import { errorWithoutStatus } from './convert-openai-error-to-anthropic';
import { fallbackToolId, mapStopReason, messageId, reasoningOf, toAnthropicUsage } from './convert-openai-response-to-anthropic';
import { fromOpenAIUsage } from './openai-usage';

const EARLY_END: AnthropicErrorBody = { type: 'error', error: { type: 'api_error', message: 'upstream stream ended early' } };
const UNREADABLE: AnthropicErrorBody = { type: 'error', error: { type: 'api_error', message: 'upstream sent an unreadable stream event' } };

/** The block being written: Anthropic sends one block at a time, start to stop. */
interface OpenBlock {
  /** `thinking`, `text`, or the tool call's key. */
  readonly key: string;
  readonly index: number;
}

/**
 * OpenAI `chat.completion.chunk` stream → Anthropic Messages stream
 * (https://docs.anthropic.com/en/docs/build-with-claude/streaming): message_start, then per
 * block content_block_start / _delta / _stop, then message_delta and message_stop. Body
 * chunks may split anywhere; output is written per complete upstream event, so any split
 * gives the same bytes. A failed or cut-off upstream ends with an `error` event, which the
 * Anthropic SDK raises: never a silent truncation.
 */
export class OpenAIStreamToAnthropic {
  private readonly decoder: SseDecoder;
  private openAIId = '';
  private model = '';
  private started = false;
  private open: OpenBlock | undefined;
  private nextIndex = 0;
  /** Tool call key (`index:N`, or `id:…` from servers that send no index) → Anthropic block index. */
  private readonly toolBlocks = new Map<string, number>();
  private lastToolKey: string | undefined;
  private refused = false;
  private stopReason: AnthropicStopReason | undefined;
  private lastUsage: TokenUsage | undefined;
  private done = false;

  /** `fallbackId` names the message when the upstream chunks carry no id; `maxEventBytes` caps one upstream event (`limits.maxStreamEventBytes`). */
  constructor(
    private readonly fallbackId: string,
    maxEventBytes?: number,
  ) {
    this.decoder = new SseDecoder({ maxEventBytes });
  }

  /** Feeds a body chunk; returns the Anthropic bytes it completes (possibly none). */
  push(chunk: Buffer, endOfStream: boolean): Buffer {
    const events = this.decoder.push(chunk);
    const last = endOfStream ? this.decoder.finish() : undefined;
    if (last) events.push(last);
    const out: string[] = [];
    events.forEach((event, index) => {
      // The finish() event may be cut off mid-JSON: that is an early end, handled below.
      if (!this.done) this.handle(event, out, last !== undefined && index === events.length - 1);
    });
    // Servers that never send [DONE] end cleanly once the choice has finished.
    if (endOfStream && !this.done) this.end(out);
    return Buffer.from(out.join(''), 'utf8');
  }

  /** Usage read so far; undefined until a chunk brought some. */
  usage(): TokenUsage | undefined {
    return this.lastUsage;
  }

  private handle(sse: SseEvent, out: string[], cutOff: boolean): void {
    if (sse.data === undefined) return; // a keep-alive comment or an event without data
    if (sse.data.trim() === '[DONE]') {
      this.end(out);
      return;
    }
    const parsed = parseJson(sse.data);
    if (!isRecord(parsed)) {
      if (!cutOff) this.fail(UNREADABLE, out);
      return;
    }
    // OpenAI reports a failure after the stream started as a chunk holding only `error`.
    if (isSet(parsed.error)) {
      this.fail(errorWithoutStatus(parsed, 'upstream stream error'), out);
      return;
    }
    if (this.openAIId === '' && typeof parsed.id === 'string') this.openAIId = parsed.id;
    if (this.model === '' && typeof parsed.model === 'string') this.model = parsed.model;
    const choices = Array.isArray(parsed.choices) ? parsed.choices.filter(isRecord) : [];
    // Azure's first chunk has no choices (only prompt filter results) and an empty id, so
    // message_start waits for the first chunk with a choice.
    const choice = choices.find((candidate) => (candidate.index ?? 0) === 0);
    if (choice) {
      this.start(out);
      if (this.stopReason === undefined && isRecord(choice.delta)) this.delta(choice.delta, out);
      if (this.stopReason === undefined && isSet(choice.finish_reason)) this.finish(choice.finish_reason, out);
    }
    const usage = fromOpenAIUsage(parsed.usage);
    if (!usage) return;
    // Servers that send usage on every chunk send it cumulatively: the last one wins.
    this.lastUsage = usage;
    if (this.stopReason !== undefined) this.complete(out);
  }

  private delta(delta: Record<string, unknown>, out: string[]): void {
    const reasoning = reasoningOf(delta);
    if (reasoning !== '') this.blockDelta('thinking', { type: 'thinking_delta', thinking: reasoning }, out);
    if (typeof delta.content === 'string' && delta.content !== '') this.blockDelta('text', { type: 'text_delta', text: delta.content }, out);
    if (typeof delta.refusal === 'string' && delta.refusal !== '') {
      this.refused = true;
      this.blockDelta('text', { type: 'text_delta', text: delta.refusal }, out);
    }
    if (Array.isArray(delta.tool_calls)) delta.tool_calls.filter(isRecord).forEach((call) => this.toolCall(call, out));
  }

  /** Text and thinking go to the open block of their kind, or a new one after closing the open block. */
  private blockDelta(key: 'thinking' | 'text', delta: AnthropicBlockDelta, out: string[]): void {
    const block: AnthropicOutputBlock = key === 'thinking' ? { type: 'thinking', thinking: '', signature: '' } : { type: 'text', text: '' };
    const index = this.open?.key === key ? this.open.index : this.startBlock(key, block, out);
    this.write({ type: 'content_block_delta', index, delta }, out);
  }

  /**
   * A tool call fragment. The first fragment of each call (by its `index`) carries the id and
   * name and starts a tool_use block; argument fragments become input_json_delta events.
   */
  private toolCall(call: Record<string, unknown>, out: string[]): void {
    const key = typeof call.index === 'number' ? `index:${call.index}` : typeof call.id === 'string' && call.id !== '' ? `id:${call.id}` : this.lastToolKey;
    if (key === undefined) return;
    const called = isRecord(call.function) ? call.function : {};
    let index = this.toolBlocks.get(key);
    if (index === undefined) {
      const id = typeof call.id === 'string' && call.id !== '' ? call.id : fallbackToolId(this.toolBlocks.size);
      const name = typeof called.name === 'string' ? called.name : '';
      index = this.startBlock(key, { type: 'tool_use', id, name, input: {} }, out);
      this.toolBlocks.set(key, index);
      this.lastToolKey = key;
    }
    // A fragment of a call whose block is closed (servers interleaving calls, which OpenAI
    // does not) still goes to that call's block: clients accumulate deltas by index.
    if (typeof called.arguments === 'string' && called.arguments !== '') {
      this.write({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: called.arguments } }, out);
    }
  }

  private startBlock(key: string, block: AnthropicOutputBlock, out: string[]): number {
    this.closeBlock(out);
    const index = this.nextIndex++;
    this.open = { key, index };
    this.write({ type: 'content_block_start', index, content_block: block }, out);
    return index;
  }

  private closeBlock(out: string[]): void {
    if (!this.open) return;
    this.write({ type: 'content_block_stop', index: this.open.index }, out);
    this.open = undefined;
  }

  /** message_start, once; input usage is unknown until OpenAI's last chunk, so it reads 0 here. */
  private start(out: string[]): void {
    if (this.started) return;
    this.started = true;
    const message: AnthropicMessageBody = {
      id: messageId(this.openAIId, this.fallbackId),
      type: 'message',
      role: 'assistant',
      model: this.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: toAnthropicUsage(undefined),
    };
    this.write({ type: 'message_start', message }, out);
  }

  /** The choice finished: its block closes; message_delta waits for the usage chunk that follows. */
  private finish(finishReason: unknown, out: string[]): void {
    this.closeBlock(out);
    this.stopReason = mapStopReason(finishReason, { toolCalls: this.toolBlocks.size > 0, refused: this.refused });
  }

  /** [DONE] or the end of the body: a finished choice completes the message; anything else ended early. */
  private end(out: string[]): void {
    if (this.stopReason === undefined) this.fail(EARLY_END, out);
    else this.complete(out);
  }

  /**
   * message_delta with the final usage, then message_stop. The real input and cache counts
   * go in message_delta too: message_start could not know them, and the Anthropic SDK's
   * final message takes each usage field message_delta carries (streaming guide: its usage
   * is cumulative).
   */
  private complete(out: string[]): void {
    this.start(out);
    const usage = toAnthropicUsage(this.lastUsage);
    this.write(
      {
        type: 'message_delta',
        delta: { stop_reason: this.stopReason ?? 'end_turn', stop_sequence: null },
        usage: { output_tokens: usage.output_tokens, input_tokens: usage.input_tokens, cache_read_input_tokens: usage.cache_read_input_tokens },
      },
      out,
    );
    this.write({ type: 'message_stop' }, out);
    this.done = true;
  }

  /** An Anthropic `error` event, which ends the stream (Messages API errors: "errors mid-stream"). */
  private fail(error: AnthropicErrorBody, out: string[]): void {
    this.write(error, out);
    this.done = true;
  }

  private write(event: AnthropicStreamOutput, out: string[]): void {
    out.push(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
  }
}
