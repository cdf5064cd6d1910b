import type { ClientRequest } from '../../api/client-request';
import { reshapeAsAnthropicError } from '../../api/anthropic-errors';
import { withAnthropicToolIdsIn } from '../history-ids';
import { SseDecoder } from '../sse';
import type { AttemptTarget, Translator, UpstreamRequest } from '../translator';
import type { TokenUsage } from '../usage';
import { emptyCounts, readAnthropicUsage, toTokenUsage } from './convert-anthropic-usage';
import { THINKING_NEEDS_SIGNED_TURN_WARNING, asksForThinking, thinkingCannotContinue } from './thinking-continuation';

/** Sampling options the 2026-10-21 Messages API rejects with 400, even at default values (PROVIDER-NOTES). */
const REJECTED_BY_2026_10_21 = ['temperature', 'top_p', 'top_k'] as const;

/**
 * Thinking blocks are replayed to Anthropic with their signature; a block with an empty
 * one was made by a translation from another provider (which has no signatures) and would
 * be rejected with 400. Returns the same array when there is nothing to drop.
 */
export function withoutUnsignedThinking(messages: unknown): unknown {
  if (!Array.isArray(messages)) return messages;
  const unsigned = (block: unknown): boolean =>
    typeof block === 'object' && block !== null && (block as { type?: unknown }).type === 'thinking' && !(block as { signature?: unknown }).signature;
  if (!messages.some((message) => Array.isArray((message as { content?: unknown })?.content) && (message as { content: unknown[] }).content.some(unsigned))) {
    return messages;
  }
  return messages.map((message) => {
    const content = (message as { content?: unknown })?.content;
    return Array.isArray(content) ? { ...(message as object), content: content.filter((block) => !unsigned(block)) } : message;
  });
}

/**
 * Anthropic client → Anthropic backend: the body passes through (model renamed, and
 * sampling options dropped with a warning for API version 2026-10-21); the response
 * passes through untouched, read for usage (message_start + message_delta in streams).
 */
export class AnthropicToAnthropic implements Translator {
  readonly warnings: string[] = [];
  readonly responsePassesThrough = true;
  private readonly decoder: SseDecoder;
  private readonly counts = emptyCounts();
  private sawUsage = false;

  constructor(
    private readonly request: ClientRequest,
    private readonly target: AttemptTarget,
  ) {
    this.decoder = new SseDecoder({ maxEventBytes: target.maxStreamEventBytes });
  }

  requestBody(): UpstreamRequest {
    const { backend, upstreamModel } = this.target;
    const copy: Record<string, unknown> = { ...this.request.body };
    let changed = false;
    if (upstreamModel !== undefined && upstreamModel !== this.request.model) {
      copy.model = upstreamModel;
      changed = true;
    }
    const messages = withoutUnsignedThinking(copy.messages);
    if (messages !== copy.messages) {
      copy.messages = messages;
      changed = true;
      this.warnings.push('dropped thinking blocks without a signature: Anthropic rejects them (they came from another provider)');
    }
    if (asksForThinking(copy.thinking) && thinkingCannotContinue(copy.messages)) {
      delete copy.thinking;
      changed = true;
      this.warnings.push(THINKING_NEEDS_SIGNED_TURN_WARNING);
    }
    // Ids another provider wrote (`functions.get_weather:1`) break Anthropic's tool_use id pattern.
    const withIds = withAnthropicToolIdsIn(copy.messages);
    if (withIds !== copy.messages) {
      copy.messages = withIds;
      changed = true;
    }
    if (backend.anthropicVersion === '2026-10-21') {
      for (const option of REJECTED_BY_2026_10_21) {
        if (copy[option] === undefined) continue;
        delete copy[option];
        changed = true;
        this.warnings.push(`dropped ${option}: anthropic-version 2026-10-21 rejects it`);
      }
    }
    const headers: Record<string, string> = { 'content-type': 'application/json', 'anthropic-version': backend.anthropicVersion };
    if (backend.credential) headers[backend.credential.header] = backend.credential.prefix + backend.credential.secret.reveal();
    return {
      path: `${backend.pathPrefix}/v1/messages`,
      headers,
      body: changed ? Buffer.from(JSON.stringify(copy)) : this.request.rawBody,
    };
  }

  responseBody(chunk: Buffer, endOfStream: boolean): Buffer | undefined {
    if (!this.request.stream) {
      if (endOfStream) {
        try {
          this.read((JSON.parse(chunk.toString('utf8')) as { usage?: unknown }).usage);
        } catch {
          // Not JSON: nothing to count; the body still passes through.
        }
      }
      return undefined;
    }
    const events = this.decoder.push(chunk);
    const last = endOfStream ? this.decoder.finish() : undefined;
    if (last) events.push(last);
    for (const event of events) {
      if (!event.data || !event.data.includes('usage')) continue;
      try {
        const parsed = JSON.parse(event.data) as { type?: string; message?: { usage?: unknown }; usage?: unknown };
        if (parsed.type === 'message_start') this.read(parsed.message?.usage);
        else if (parsed.type === 'message_delta') this.read(parsed.usage);
      } catch {
        // A malformed event carries no usage; it still reaches the client as sent.
      }
    }
    return undefined;
  }

  responseError(status: number, body: Buffer): Buffer | undefined {
    const reshaped = reshapeAsAnthropicError(status, body);
    return reshaped.changed ? reshaped.body : undefined;
  }

  /** Normalised usage (Anthropic's input_tokens exclude cache reads and writes; see toTokenUsage). */
  usage(): TokenUsage | undefined {
    return this.sawUsage ? toTokenUsage(this.counts) : undefined;
  }

  private read(usage: unknown): void {
    if (readAnthropicUsage(usage, this.counts)) this.sawUsage = true;
  }
}
