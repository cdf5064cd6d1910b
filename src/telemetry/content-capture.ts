import type { ClientApi, ClientRequest } from '../api/client-request';
import { mapRequestTexts } from '../guardrails/request-texts';
import { mapResponseTexts } from '../guardrails/response-texts';
import { SseDecoder } from '../providers/sse';
import { MAX_STREAM_EVENT_BYTES_CEILING } from '../providers/stream-limits';

/** Most characters of prompt or completion kept on a span or audit record. */
export const CONTENT_LIMIT = 64 * 1024;

function capped(text: string): string {
  return text.length > CONTENT_LIMIT ? `${text.slice(0, CONTENT_LIMIT)}…` : text;
}

/** Every text of the request as sent upstream (after guardrails), in order. */
export function promptTexts(request: ClientRequest): string {
  const texts: string[] = [];
  mapRequestTexts(request.api, request.body as Record<string, unknown>, (text) => {
    texts.push(text);
    return text;
  });
  return capped(texts.join('\n'));
}

/**
 * The completion the client received (after translation and guardrails), collected from a
 * whole body or from the stream's text deltas. Only built when content capture is on.
 */
export class CompletionText {
  /** The client's stream, already held to limits.maxStreamEventBytes by the translator: the ceiling, so a larger configured limit holds. */
  private readonly decoder = new SseDecoder({ maxEventBytes: MAX_STREAM_EVENT_BYTES_CEILING });
  private text = '';
  private readonly body: Buffer[] = [];

  constructor(
    private readonly api: ClientApi,
    private readonly stream: boolean,
  ) {}

  push(chunk: Buffer): void {
    if (this.text.length > CONTENT_LIMIT) return;
    if (!this.stream) {
      this.body.push(chunk);
      return;
    }
    for (const event of this.decoder.push(chunk)) {
      if (!event.data || event.data === '[DONE]') continue;
      try {
        this.text += deltaText(this.api, JSON.parse(event.data) as Record<string, unknown>);
      } catch {
        // not JSON: no text
      }
    }
  }

  value(): string {
    if (this.stream) return capped(this.text);
    try {
      const texts: string[] = [];
      mapResponseTexts(this.api, JSON.parse(Buffer.concat(this.body).toString('utf8')) as Record<string, unknown>, (text) => {
        texts.push(text);
        return text;
      });
      return capped(texts.join('\n'));
    } catch {
      return '';
    }
  }
}

/** The text of legacy completions choices (whole or streamed: both carry `text`). */
export function completionsText(choices: readonly unknown[]): string {
  return choices.map((choice) => (typeof choice === 'object' && choice !== null && typeof (choice as { text?: unknown }).text === 'string' ? (choice as { text: string }).text : '')).join('');
}

function deltaText(api: ClientApi, data: Record<string, unknown>): string {
  if (api === 'openai-chat' && Array.isArray(data.choices)) {
    return data.choices.map((choice: { delta?: { content?: unknown } }) => (typeof choice.delta?.content === 'string' ? choice.delta.content : '')).join('');
  }
  const delta = data.delta as { type?: unknown; text?: unknown } | string | undefined;
  if (api === 'anthropic-messages' && data.type === 'content_block_delta' && typeof delta === 'object' && delta.type === 'text_delta') return typeof delta.text === 'string' ? delta.text : '';
  if (api === 'openai-responses' && data.type === 'response.output_text.delta' && typeof delta === 'string') return delta;
  if (api === 'openai-completions' && Array.isArray(data.choices)) return completionsText(data.choices);
  return '';
}
