import { toOpenAIUsage } from '../anthropic/convert-anthropic-usage';
import { isRecord, parseJson } from '../anthropic/json-guards';
import type { OpenAIChatCompletionChunk, OpenAIChunkDelta, OpenAIFinishReason } from '../anthropic/openai-chat-types';
import type { TokenUsage } from '../usage';
import { readBedrockUsage } from './bedrock-usage';
import { readBedrockErrorMessage, toOpenAIErrorFromBedrock } from './convert-bedrock-error';
import { EventStreamDecoder, EventStreamError } from './eventstream-decoder';
import type { EventStreamFrame } from './eventstream-decoder';
import { mapBedrockStopReason } from './map-bedrock-stop-reason';

/** How the OpenAI stream is written. */
export interface BedrockStreamOptions {
  readonly id: string;
  /** `created` of every chunk (seconds). */
  readonly created: number;
  /** The model the client asked for: ConverseStream names none. */
  readonly model: string;
  /** The client asked for `stream_options.include_usage`: add the usage-only chunk. */
  readonly includeUsage: boolean;
  /** Most bytes of one upstream event stream frame (`limits.maxStreamEventBytes`); undefined: the default. */
  readonly maxFrameBytes?: number;
}

/**
 * ConverseStream exception names (ConverseStream reference, "Errors"; sent lower-camel-cased
 * in `:exception-type`) → the HTTP status each has as a plain error, for OpenAI's error type.
 * Model timeouts (408) and model stream errors (424) are failures of the model, not of the
 * request, so they are reported as server errors (504, 500).
 */
export const EXCEPTION_STATUS: ReadonlyMap<string, number> = new Map([
  ['validationException', 400],
  ['accessDeniedException', 403],
  ['resourceNotFoundException', 404],
  ['modelTimeoutException', 504],
  ['throttlingException', 429],
  ['serviceQuotaExceededException', 429],
  ['modelNotReadyException', 429],
  ['internalServerException', 500],
  ['modelStreamErrorException', 500],
  ['serviceUnavailableException', 503],
]);

const DONE = 'data: [DONE]\n\n';

/**
 * Bedrock ConverseStream (AWS event stream frames, PROVIDER-NOTES) → OpenAI
 * `chat.completion.chunk` SSE. Each event frame's `:event-type` names its payload
 * (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStreamOutput.html):
 * messageStart, contentBlockStart (a tool call's id and name), contentBlockDelta (text,
 * tool input JSON fragments, reasoning text), contentBlockStop, messageStop (stopReason) and
 * metadata (usage), which is last. Exceptions arrive as `:message-type: exception` frames
 * inside the HTTP 200 and become an OpenAI error event. Output is written per whole frame,
 * so any split of the body gives the same bytes; the stream always ends with `data: [DONE]`.
 */
export class BedrockStreamToOpenAI {
  private readonly decoder: EventStreamDecoder;
  /** contentBlockIndex of each tool-use block → its OpenAI tool_calls index. */
  private readonly toolIndexes = new Map<number, number>();
  private lastUsage: TokenUsage | undefined;
  private stopped = false;
  private done = false;

  constructor(private readonly options: BedrockStreamOptions) {
    this.decoder = new EventStreamDecoder({ maxFrameBytes: options.maxFrameBytes });
  }

  /** Feeds a body chunk; returns the OpenAI bytes it completes (possibly none). */
  push(chunk: Buffer, endOfStream: boolean): Buffer {
    const out: string[] = [];
    if (!this.done) {
      try {
        for (const frame of this.decoder.push(chunk)) if (!this.done) this.handle(frame, out);
      } catch (error) {
        if (!(error instanceof EventStreamError)) throw error;
        this.fail(`upstream sent an unreadable event stream: ${error.message}`, 500, null, out);
      }
    }
    if (endOfStream && !this.done) {
      // A stream cut after messageStop lost only its metadata: the answer itself is whole.
      if (this.stopped && this.decoder.pendingBytes() === 0) this.finish(out);
      else this.fail('upstream stream ended early', 500, null, out);
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
      const message = readBedrockErrorMessage(payload) ?? name;
      this.fail(message, EXCEPTION_STATUS.get(name) ?? 500, name, out);
      return;
    }
    if (messageType === 'error') {
      // Event stream protocol errors carry their code and message in headers, not the payload.
      const code = frame.headers[':error-code'] ?? 'error';
      this.fail(frame.headers[':error-message'] ?? code, 500, code, out);
      return;
    }
    if (!isRecord(payload)) {
      this.fail('upstream sent an unreadable stream event', 500, null, out);
      return;
    }
    this.event(frame.headers[':event-type'], payload, out);
  }

  private event(type: string | undefined, payload: Record<string, unknown>, out: string[]): void {
    switch (type) {
      case 'messageStart':
        out.push(this.chunk({ role: 'assistant', content: '' }, null));
        return;
      case 'contentBlockStart': {
        const start = isRecord(payload.start) ? payload.start.toolUse : undefined;
        if (!isRecord(start)) return;
        const index = this.toolIndexes.size;
        this.toolIndexes.set(this.blockIndex(payload), index);
        const id = typeof start.toolUseId === 'string' ? start.toolUseId : '';
        const name = typeof start.name === 'string' ? start.name : '';
        out.push(this.chunk({ tool_calls: [{ index, id, type: 'function', function: { name, arguments: '' } }] }, null));
        return;
      }
      case 'contentBlockDelta':
        this.delta(payload, out);
        return;
      case 'messageStop':
        this.stopped = true;
        out.push(this.chunk({}, mapBedrockStopReason(payload.stopReason, this.toolIndexes.size > 0)));
        return;
      case 'metadata':
        this.lastUsage = readBedrockUsage(payload.usage) ?? this.lastUsage;
        if (this.stopped) this.finish(out);
        return;
      default:
      // contentBlockStop, and event types added later, change nothing in the OpenAI stream.
    }
  }

  private delta(payload: Record<string, unknown>, out: string[]): void {
    const delta = isRecord(payload.delta) ? payload.delta : {};
    if (typeof delta.text === 'string' && delta.text !== '') out.push(this.chunk({ content: delta.text }, null));
    const reasoning = isRecord(delta.reasoningContent) ? delta.reasoningContent.text : undefined;
    if (typeof reasoning === 'string' && reasoning !== '') out.push(this.chunk({ reasoning_content: reasoning }, null));
    const input = isRecord(delta.toolUse) ? delta.toolUse.input : undefined;
    const index = this.toolIndexes.get(this.blockIndex(payload));
    if (typeof input === 'string' && input !== '' && index !== undefined) {
      out.push(this.chunk({ tool_calls: [{ index, function: { arguments: input } }] }, null));
    }
  }

  private blockIndex(payload: Record<string, unknown>): number {
    return typeof payload.contentBlockIndex === 'number' ? payload.contentBlockIndex : 0;
  }

  /** The usage chunk when asked for, then [DONE]. */
  private finish(out: string[]): void {
    if (this.options.includeUsage && this.lastUsage) {
      const usageChunk: OpenAIChatCompletionChunk = { ...this.head(), choices: [], usage: toOpenAIUsage(this.lastUsage) };
      out.push(`data: ${JSON.stringify(usageChunk)}\n\n`);
    }
    out.push(DONE);
    this.done = true;
  }

  /** An OpenAI-style error event then [DONE]: OpenAI clients raise it instead of taking a cut answer as whole. */
  private fail(message: string, status: number, code: string | null, out: string[]): void {
    out.push(`data: ${JSON.stringify(toOpenAIErrorFromBedrock(message, status, code))}\n\n`, DONE);
    this.done = true;
  }

  private head(): Omit<OpenAIChatCompletionChunk, 'choices'> {
    return { id: this.options.id, object: 'chat.completion.chunk', created: this.options.created, model: this.options.model, system_fingerprint: null };
  }

  private chunk(delta: OpenAIChunkDelta, finishReason: OpenAIFinishReason | null): string {
    const body: OpenAIChatCompletionChunk = {
      ...this.head(),
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      // OpenAI sends `usage: null` on every chunk but the last when usage was asked for.
      ...(this.options.includeUsage ? { usage: null } : {}),
    };
    return `data: ${JSON.stringify(body)}\n\n`;
  }
}
