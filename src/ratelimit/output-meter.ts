import { completionsText } from '../telemetry/content-capture';
import type { ClientApi } from '../api/client-request';
import { SseDecoder } from '../providers/sse';
import { countTextTokens } from './estimate';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** An event's JSON, or undefined for anything else (a provider's ping, a truncated event). */
function parsed(data: string): unknown {
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return undefined;
  }
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/**
 * The generated text an event of a stream carries, in the client's API: answer text, tool
 * call arguments and streamed reasoning, all of which the provider bills as output.
 */
export function generatedText(api: ClientApi, data: unknown): string {
  if (!isRecord(data)) return '';
  if (api === 'openai-chat') {
    if (!Array.isArray(data.choices)) return '';
    return data.choices
      .map((choice: unknown) => {
        const delta = isRecord(choice) && isRecord(choice.delta) ? choice.delta : {};
        const calls = Array.isArray(delta.tool_calls) ? delta.tool_calls : [];
        const argumentsText = calls.map((call: unknown) => (isRecord(call) && isRecord(call.function) ? text(call.function.arguments) : '')).join('');
        return text(delta.content) + text(delta.reasoning_content) + text(delta.refusal) + argumentsText;
      })
      .join('');
  }
  if (api === 'openai-completions') return Array.isArray(data.choices) ? completionsText(data.choices) : '';
  if (api === 'anthropic-messages') {
    const delta = data.type === 'content_block_delta' && isRecord(data.delta) ? data.delta : {};
    return text(delta.text) + text(delta.partial_json) + text(delta.thinking);
  }
  // Responses API: output text, function arguments and reasoning text all arrive as `*.delta` events.
  return typeof data.type === 'string' && data.type.endsWith('.delta') ? text(data.delta) : '';
}

/**
 * Output tokens of a streamed response so far, estimated from the generated text the client
 * received (o200k tokens, counted per event, as providers split events at token boundaries),
 * and never more than the request's output cap. Used only when a stream ends before its
 * provider reported usage. Reasoning a provider does not stream is not seen.
 */
export class OutputMeter {
  private readonly decoder = new SseDecoder();
  private tokens = 0;

  constructor(
    private readonly api: ClientApi,
    /** The output cap the reservation counted: the provider cannot have generated more. */
    private readonly cap: number,
  ) {}

  /** A chunk of the stream, as the client gets it. */
  push(chunk: Buffer): void {
    // Past the cap the answer cannot change: no need to parse the rest.
    if (this.tokens >= this.cap) return;
    for (const event of this.decoder.push(chunk)) {
      if (!event.data || event.data === '[DONE]') continue;
      this.tokens += countTextTokens(generatedText(this.api, parsed(event.data)));
    }
  }

  /** The estimate: tokens seen, at most the cap. */
  get value(): number {
    return Math.min(this.tokens, this.cap);
  }
}
