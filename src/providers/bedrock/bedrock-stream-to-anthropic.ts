import { anthropicErrorType } from '../../api/anthropic-errors';
import type { AnthropicErrorBody } from '../../api/anthropic-errors';
import { isRecord, parseJson } from '../anthropic/json-guards';
import type { AnthropicBlockDelta, AnthropicOutputBlock, AnthropicStopReason, AnthropicStreamOutput } from '../openai/anthropic-to-openai-types';
import { toAnthropicUsage } from '../openai/convert-openai-response-to-anthropic';
import type { TokenUsage } from '../usage';
import { readBedrockUsage } from './bedrock-usage';
import { EXCEPTION_STATUS } from './bedrock-stream-to-openai';
import { mapBedrockStopReasonToAnthropic, stopSequenceOf } from './convert-bedrock-response-to-anthropic';
import type { AnthropicMessageContext } from './convert-bedrock-response-to-anthropic';
import { readBedrockErrorMessage } from './convert-bedrock-error';
import { EventStreamDecoder, EventStreamError } from './eventstream-decoder';
import type { EventStreamFrame } from './eventstream-decoder';

const EARLY_END: AnthropicErrorBody = { type: 'error', error: { type: 'api_error', message: 'upstream stream ended early' } };

/** The block being written: Anthropic sends one block at a time, start to stop. */
interface OpenBlock {
  /** Converse's contentBlockIndex. */
  readonly source: number;
  /** The Anthropic block index (0, 1, … in order of appearance). */
  readonly index: number;
  readonly type: AnthropicOutputBlock['type'];
}

/**
 * Bedrock ConverseStream (AWS event stream frames, ConverseStreamOutput reference) →
 * Anthropic Messages SSE (https://docs.anthropic.com/en/docs/build-with-claude/streaming).
 * messageStart is message_start; each Converse content block becomes a content_block_start /
 * _delta / _stop run (text starts with its first delta, as Converse sends no start for it;
 * reasoning becomes thinking with signature_delta; toolUse input fragments input_json_delta);
 * messageStop and the metadata event after it become message_delta (stop reason and the
 * whole usage, since message_start could not know it) and message_stop. Exception frames
 * inside the HTTP 200 become an Anthropic `error` event, as Anthropic sends overloaded_error
 * mid-stream. Output is written per whole frame, so any split gives the same bytes.
 */
export class BedrockStreamToAnthropic {
  private readonly decoder: EventStreamDecoder;
  private started = false;
  private open: OpenBlock | undefined;
  private nextIndex = 0;
  private madeToolCalls = false;
  private stopReason: AnthropicStopReason | undefined;
  private stopSequence: string | null = null;
  private lastUsage: TokenUsage | undefined;
  private done = false;

  /** `maxFrameBytes` caps one upstream frame (`limits.maxStreamEventBytes`). */
  constructor(
    private readonly context: AnthropicMessageContext,
    maxFrameBytes?: number,
  ) {
    this.decoder = new EventStreamDecoder({ maxFrameBytes });
  }

  /** Feeds a body chunk; returns the Anthropic SSE bytes it completes (possibly none). */
  push(chunk: Buffer, endOfStream: boolean): Buffer {
    const out: string[] = [];
    if (!this.done) {
      try {
        for (const frame of this.decoder.push(chunk)) if (!this.done) this.handle(frame, out);
      } catch (error) {
        if (!(error instanceof EventStreamError)) throw error;
        this.fail({ type: 'error', error: { type: 'api_error', message: `upstream sent an unreadable event stream: ${error.message}` } }, out);
      }
    }
    if (endOfStream && !this.done) {
      // A stream cut after messageStop lost only its metadata: the answer itself is whole.
      if (this.stopReason !== undefined && this.decoder.pendingBytes() === 0) this.complete(out);
      else this.fail(EARLY_END, out);
    }
    return Buffer.from(out.join(''), 'utf8');
  }

  /** Usage read so far; undefined until the metadata event. */
  usage(): TokenUsage | undefined {
    return this.lastUsage;
  }

  private handle(frame: EventStreamFrame, out: string[]): void {
    const messageType = frame.headers[':message-type'];
    const payload = parseJson(frame.payload);
    if (messageType === 'exception') {
      const name = frame.headers[':exception-type'] ?? 'internalServerException';
      const status = EXCEPTION_STATUS.get(name) ?? 500;
      // Bedrock's unavailable is Anthropic's overloaded (529), which Anthropic clients retry.
      this.fail({ type: 'error', error: { type: anthropicErrorType(status === 503 ? 529 : status), message: readBedrockErrorMessage(payload) ?? name } }, out);
      return;
    }
    if (messageType === 'error') {
      // Event stream protocol errors carry their code and message in headers, not the payload.
      this.fail({ type: 'error', error: { type: 'api_error', message: frame.headers[':error-message'] ?? frame.headers[':error-code'] ?? 'event stream error' } }, out);
      return;
    }
    if (!isRecord(payload)) {
      this.fail({ type: 'error', error: { type: 'api_error', message: 'upstream sent an unreadable stream event' } }, out);
      return;
    }
    this.event(frame.headers[':event-type'], payload, out);
  }

  private event(type: string | undefined, payload: Record<string, unknown>, out: string[]): void {
    switch (type) {
      case 'messageStart':
        this.start(out);
        return;
      case 'contentBlockStart': {
        const toolUse = isRecord(payload.start) ? payload.start.toolUse : undefined;
        if (!isRecord(toolUse)) return;
        const id = typeof toolUse.toolUseId === 'string' ? toolUse.toolUseId : '';
        const name = typeof toolUse.name === 'string' ? toolUse.name : '';
        this.madeToolCalls = true;
        this.startBlock(this.sourceIndex(payload), { type: 'tool_use', id, name, input: {} }, out);
        return;
      }
      case 'contentBlockDelta':
        this.delta(this.sourceIndex(payload), isRecord(payload.delta) ? payload.delta : {}, out);
        return;
      case 'contentBlockStop':
        if (this.open?.source === this.sourceIndex(payload)) this.closeBlock(out);
        return;
      case 'messageStop':
        this.closeBlock(out);
        this.stopReason = mapBedrockStopReasonToAnthropic(payload.stopReason, this.madeToolCalls);
        this.stopSequence = stopSequenceOf(payload.additionalModelResponseFields);
        return;
      case 'metadata':
        this.lastUsage = readBedrockUsage(payload.usage) ?? this.lastUsage;
        if (this.stopReason !== undefined) this.complete(out);
        return;
      default:
      // Event types added later change nothing in the Anthropic stream.
    }
  }

  private delta(source: number, delta: Record<string, unknown>, out: string[]): void {
    if (typeof delta.text === 'string') {
      this.blockDelta(source, { type: 'text', text: '' }, delta.text === '' ? undefined : { type: 'text_delta', text: delta.text }, out);
    }
    const reasoning = delta.reasoningContent;
    if (isRecord(reasoning)) {
      if (typeof reasoning.redactedContent === 'string') {
        this.startBlock(source, { type: 'redacted_thinking', data: reasoning.redactedContent }, out);
        return;
      }
      const thinking = { type: 'thinking' as const, thinking: '', signature: '' };
      if (typeof reasoning.text === 'string' && reasoning.text !== '') this.blockDelta(source, thinking, { type: 'thinking_delta', thinking: reasoning.text }, out);
      if (typeof reasoning.signature === 'string') this.blockDelta(source, thinking, { type: 'signature_delta', signature: reasoning.signature }, out);
    }
    const input = isRecord(delta.toolUse) ? delta.toolUse.input : undefined;
    if (typeof input === 'string' && input !== '' && this.open?.source === source && this.open.type === 'tool_use') {
      this.write({ type: 'content_block_delta', index: this.open.index, delta: { type: 'input_json_delta', partial_json: input } }, out);
    }
  }

  /** A delta for Converse block `source`: into its open block, or a new block of `block`'s type after closing the open one. */
  private blockDelta(source: number, block: AnthropicOutputBlock, delta: AnthropicBlockDelta | undefined, out: string[]): void {
    const index = this.open?.source === source && this.open.type === block.type ? this.open.index : this.startBlock(source, block, out);
    if (delta) this.write({ type: 'content_block_delta', index, delta }, out);
  }

  private startBlock(source: number, block: AnthropicOutputBlock, out: string[]): number {
    this.start(out);
    this.closeBlock(out);
    const index = this.nextIndex++;
    this.open = { source, index, type: block.type };
    this.write({ type: 'content_block_start', index, content_block: block }, out);
    return index;
  }

  private closeBlock(out: string[]): void {
    if (!this.open) return;
    this.write({ type: 'content_block_stop', index: this.open.index }, out);
    this.open = undefined;
  }

  /** message_start, once; usage is unknown until the metadata event, so it reads 0 here. */
  private start(out: string[]): void {
    if (this.started) return;
    this.started = true;
    const { id, model } = this.context;
    this.write({ type: 'message_start', message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: toAnthropicUsage(undefined) } }, out);
  }

  /**
   * message_delta with the stop reason and the whole usage (cumulative in Anthropic streams,
   * so the SDK's final message takes each field it carries), then message_stop.
   */
  private complete(out: string[]): void {
    this.start(out);
    this.closeBlock(out);
    const usage = toAnthropicUsage(this.lastUsage);
    this.write(
      {
        type: 'message_delta',
        delta: { stop_reason: this.stopReason ?? 'end_turn', stop_sequence: this.stopSequence },
        usage: {
          output_tokens: usage.output_tokens,
          input_tokens: usage.input_tokens,
          cache_read_input_tokens: usage.cache_read_input_tokens,
          cache_creation_input_tokens: usage.cache_creation_input_tokens,
        },
      },
      out,
    );
    this.write({ type: 'message_stop' }, out);
    this.done = true;
  }

  /** An Anthropic `error` event, which ends the stream; the Anthropic SDK raises it. */
  private fail(error: AnthropicErrorBody, out: string[]): void {
    this.write(error, out);
    this.done = true;
  }

  private sourceIndex(payload: Record<string, unknown>): number {
    return typeof payload.contentBlockIndex === 'number' ? payload.contentBlockIndex : 0;
  }

  private write(event: AnthropicStreamOutput, out: string[]): void {
    out.push(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
  }
}
