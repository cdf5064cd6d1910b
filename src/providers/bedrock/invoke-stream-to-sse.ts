import { anthropicErrorType } from '../../api/anthropic-errors';
import { isRecord, parseJson } from '../anthropic/json-guards';
import { EXCEPTION_STATUS } from './bedrock-stream-to-openai';
import { readBedrockErrorMessage } from './convert-bedrock-error';
import { EventStreamDecoder, EventStreamError } from './eventstream-decoder';
import type { EventStreamFrame } from './eventstream-decoder';

/**
 * Bedrock InvokeModelWithResponseStream for Anthropic models → the Anthropic Messages SSE that
 * Anthropic's own API sends. Bedrock wraps each Anthropic stream event in an AWS event stream
 * `chunk` frame whose payload is `{"bytes":"<base64 of the event JSON>"}`
 * (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InvokeModelWithResponseStream.html);
 * each becomes `event: <type>\ndata: <json>\n\n`. Exception frames inside the HTTP 200
 * (throttling, model stream errors) become Anthropic `error` events, as Anthropic sends
 * `overloaded_error` mid-stream, and end the stream. Frames may be split anywhere.
 */
export class InvokeStreamToSse {
  private readonly decoder: EventStreamDecoder;
  private ended = false;

  /** `maxFrameBytes` caps one upstream frame (`limits.maxStreamEventBytes`). */
  constructor(maxFrameBytes?: number) {
    this.decoder = new EventStreamDecoder({ maxFrameBytes });
  }

  /** Feeds upstream bytes; returns the SSE text they complete. */
  push(chunk: Buffer, endOfStream: boolean): string {
    if (this.ended) return '';
    const out: string[] = [];
    let frames: EventStreamFrame[] = [];
    try {
      frames = this.decoder.push(chunk);
    } catch (error) {
      if (!(error instanceof EventStreamError)) throw error;
      return this.fail('api_error', `upstream sent an unreadable event stream: ${error.message}`);
    }
    for (const frame of frames) {
      out.push(this.frame(frame));
      if (this.ended) break;
    }
    if (endOfStream && !this.ended && this.decoder.pendingBytes() > 0) out.push(this.fail('api_error', 'upstream stream ended inside an event stream frame'));
    return out.join('');
  }

  private frame(frame: EventStreamFrame): string {
    const messageType = frame.headers[':message-type'];
    if (messageType === 'exception') {
      const name = frame.headers[':exception-type'] ?? 'internalServerException';
      const status = EXCEPTION_STATUS.get(name) ?? 500;
      return this.fail(anthropicErrorType(status === 503 ? 529 : status), readBedrockErrorMessage(parseJson(frame.payload)) ?? name);
    }
    if (messageType === 'error') return this.fail('api_error', frame.headers[':error-message'] ?? frame.headers[':error-code'] ?? 'event stream error');
    if (frame.headers[':event-type'] !== 'chunk') return '';
    const payload = parseJson(frame.payload);
    const bytes = isRecord(payload) && typeof payload.bytes === 'string' ? Buffer.from(payload.bytes, 'base64').toString('utf8') : undefined;
    const event = bytes === undefined ? undefined : parseJson(bytes);
    if (!isRecord(event) || typeof event.type !== 'string') return this.fail('api_error', 'upstream sent a chunk that is not an Anthropic stream event');
    return `event: ${event.type}\ndata: ${bytes}\n\n`;
  }

  /** An Anthropic error event; nothing after it is forwarded. */
  private fail(type: string, message: string): string {
    this.ended = true;
    return `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type, message } })}\n\n`;
  }
}
