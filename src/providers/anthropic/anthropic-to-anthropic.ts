import type { ClientRequest } from '../../api/client-request';
import { reshapeAsAnthropicError } from '../../api/anthropic-errors';
import { SseDecoder } from '../sse';
import type { AttemptTarget, Translator, UpstreamRequest } from '../translator';
import { count } from '../usage';
import type { TokenUsage } from '../usage';

/** Sampling options the 2026-10-21 Messages API rejects with 400, even at default values (PROVIDER-NOTES). */
const REJECTED_BY_2026_10_21 = ['temperature', 'top_p', 'top_k'] as const;

/** Anthropic's usage counts as sent, before normalising. */
interface AnthropicUsageCounts {
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
}

function readCounts(usage: unknown, into: AnthropicUsageCounts): void {
  if (typeof usage !== 'object' || usage === null) return;
  const record = usage as Record<string, unknown>;
  // message_delta.usage is cumulative: a field present overwrites, never adds.
  if (record.input_tokens !== undefined && record.input_tokens !== null) into.input = count(record.input_tokens);
  if (record.output_tokens !== undefined && record.output_tokens !== null) into.output = count(record.output_tokens);
  if (record.cache_read_input_tokens !== undefined && record.cache_read_input_tokens !== null) into.cacheRead = count(record.cache_read_input_tokens);
  if (record.cache_creation_input_tokens !== undefined && record.cache_creation_input_tokens !== null) {
    into.cacheCreation = count(record.cache_creation_input_tokens);
  }
}

/**
 * Anthropic client → Anthropic backend: the body passes through (model renamed, and
 * sampling options dropped with a warning for API version 2026-10-21); the response
 * passes through untouched, read for usage (message_start + message_delta in streams).
 */
export class AnthropicToAnthropic implements Translator {
  readonly warnings: string[] = [];
  private readonly decoder = new SseDecoder();
  private readonly counts: AnthropicUsageCounts = { input: 0, output: 0, cacheRead: 0, cacheCreation: 0 };
  private sawUsage = false;

  constructor(
    private readonly request: ClientRequest,
    private readonly target: AttemptTarget,
  ) {}

  requestBody(): UpstreamRequest {
    const { backend, upstreamModel } = this.target;
    const copy: Record<string, unknown> = { ...this.request.body };
    let changed = false;
    if (upstreamModel !== undefined && upstreamModel !== this.request.model) {
      copy.model = upstreamModel;
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

  /**
   * Normalised usage: Anthropic's input_tokens exclude cache reads and writes, so
   * inputTokens adds them back (see usage.ts for the invariants).
   */
  usage(): TokenUsage | undefined {
    if (!this.sawUsage) return undefined;
    const { input, output, cacheRead, cacheCreation } = this.counts;
    const inputTokens = input + cacheRead + cacheCreation;
    return {
      inputTokens,
      outputTokens: output,
      cachedInputTokens: cacheRead,
      cacheCreationInputTokens: cacheCreation,
      reasoningTokens: 0,
      totalTokens: inputTokens + output,
    };
  }

  private read(usage: unknown): void {
    if (typeof usage !== 'object' || usage === null) return;
    this.sawUsage = true;
    readCounts(usage, this.counts);
  }
}
