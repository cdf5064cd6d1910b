import { reshapeError } from '../api/error-shape';
import type { ErrorShape } from '../api/error-shape';
import type { GuardrailRun } from '../guardrails/guardrail-run';
import type { StreamGuard } from '../guardrails/stream-guard';
import { ContentDecoder } from '../providers/content-decoding';
import type { Translator } from '../providers/translator';
import type { RequestTelemetry } from '../telemetry/request-telemetry';
import type { MessageAttributes } from './attributes';
import type { RequestState } from './request-store';
import { redactSecrets } from './secret-redaction';

/** Sent for a chunk whose bytes are held back (they go out later, as part of a whole body). */
const HOLD = Buffer.alloc(0);

/**
 * Reads one response as Envoy streams it to the router-level processor (the status and the
 * headers aigw needs arrive as attributes with the first chunk): decodes a compressed body,
 * translates it for the client, runs response guardrails, reads usage, and says per chunk
 * what the client gets instead (undefined: the chunk as it came).
 *
 * A body that must be rewritten as a whole (an error, a translated or guarded non-streamed
 * answer) is held back chunk by chunk and sent whole at its end; a non-streamed answer that
 * passes through untouched goes out as it comes, read for usage at its end.
 */
export class ResponseReader {
  readonly status: number;
  readonly streaming: boolean;
  private readonly decoder: ContentDecoder | undefined;
  private readonly streamGuard: StreamGuard | undefined;
  private readonly held: Buffer[] = [];
  private readonly passesThrough: boolean;
  /** What answered a streamed request when it was no event stream (to be refused). */
  private readonly notAStream: string | undefined;

  constructor(
    attributes: MessageAttributes,
    private readonly state: RequestState,
    private readonly shape: ErrorShape,
    private readonly guardrails: GuardrailRun | undefined,
    private readonly telemetry: RequestTelemetry | undefined,
  ) {
    this.status = attributes.status ?? 0;
    const request = state.request;
    // A body that is no event stream (JSON, text) answering a streamed request is nothing the
    // stream guard can read: under a policy that changes or refuses responses it is held and
    // refused (the Lua filter holds it too, on the same test).
    const contentType = attributes.headers.get('content-type');
    this.notAStream = request?.stream === true && this.ok && guardrails?.guardsResponses === true && !isStreamType(contentType) ? describeType(contentType) : undefined;
    this.streaming = request?.stream === true && this.ok && this.notAStream === undefined;
    this.translator?.responseHeaders?.(attributes.headers);
    this.decoder = ContentDecoder.for(attributes.headers.get('content-encoding'), { maxBytes: state.config.limits.maxResponseBodyBytes });
    if (guardrails && request && this.streaming) this.streamGuard = guardrails.streamGuard(request.api, shape);
    this.passesThrough = this.ok && !this.streaming && !this.decoder && this.translator?.responsePassesThrough === true && !guardrails?.readsResponses;
  }

  /** A 2xx answer. */
  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  private get translator(): Translator | undefined {
    return this.state.translator;
  }

  /** The bytes the client gets for this chunk (undefined: the chunk unchanged; empty: held back for now). */
  push(chunk: Buffer, endOfStream: boolean): Buffer | undefined | Promise<Buffer | undefined> {
    if (!this.decoder) return this.read(chunk, endOfStream);
    // A decoded body always replaces the encoded bytes (the Lua filter drops content-encoding).
    return this.decoder.push(chunk, endOfStream).then((decoded) => this.read(decoded, endOfStream) ?? decoded);
  }

  private read(chunk: Buffer, endOfStream: boolean): Buffer | undefined | Promise<Buffer | undefined> {
    if (!this.ok) return this.readError(chunk, endOfStream);
    if (this.streaming) return this.readStream(chunk, endOfStream);
    this.held.push(chunk);
    if (this.passesThrough) {
      // Read for usage at the end; the bytes already went out as they came.
      if (endOfStream) this.translator?.responseBody(this.whole(), true);
      this.telemetry?.responseBytes(chunk);
      return undefined;
    }
    if (!endOfStream) return HOLD;
    const whole = this.whole();
    if (this.notAStream !== undefined && this.guardrails) throw this.guardrails.unreadable(`${this.notAStream} answered a streamed request`);
    const translated = this.translator?.responseBody(whole, true) ?? whole;
    const run = this.guardrails;
    if (!run?.readsResponses || !this.state.request) return this.sent(translated);
    return run.checkResponse(this.state.request.api, translated).then((checked) => this.sent(checked ?? translated));
  }

  private readStream(chunk: Buffer, endOfStream: boolean): Buffer | undefined {
    const translated = this.translator?.responseBody(chunk, endOfStream);
    let replaced = translated ?? (this.decoder ? chunk : undefined);
    if (this.streamGuard) replaced = this.streamGuard.push(replaced ?? chunk, endOfStream);
    this.telemetry?.responseBytes(replaced ?? chunk);
    return replaced;
  }

  /**
   * An error answer is always sent whole: reshaped into the client's error shape, any
   * configured key taken out, and checked by the response guardrails (a provider's error may
   * echo the prompt).
   */
  private readError(chunk: Buffer, endOfStream: boolean): Buffer | Promise<Buffer> {
    this.held.push(chunk);
    if (!endOfStream) return HOLD;
    const body = this.whole();
    const reshaped = this.translator ? this.translator.responseError(this.status, body) : reshapeError(this.shape, this.status, body).body;
    const cleaned = redactSecrets(reshaped ?? body, this.state.model?.secrets ?? []);
    if (!this.guardrails?.readsResponses) return cleaned;
    return this.guardrails.checkError(cleaned).then((checked) => checked ?? cleaned);
  }

  private whole(): Buffer {
    const whole = this.held.length === 1 ? this.held[0] : Buffer.concat(this.held);
    this.held.length = 0;
    return whole;
  }

  private sent(body: Buffer): Buffer {
    this.telemetry?.responseBytes(body);
    return body;
  }
}

/**
 * Content types a stream comes in: SSE, and AWS's event stream (Bedrock, translated by its
 * translator). A stream without a content type is given the benefit of the doubt.
 */
function isStreamType(contentType: string | undefined): boolean {
  return contentType === undefined || /^\s*(?:text\/event-stream|application\/vnd\.amazon\.eventstream)\b/i.test(contentType);
}

function describeType(contentType: string | undefined): string {
  return contentType !== undefined && /json/i.test(contentType) ? 'a JSON body' : 'a body that is no event stream';
}
