import { withThoughtSignature } from './gemini-thought-signatures';

/**
 * Ids for one translation. Gemini returns no tool-call ids (function calling guide;
 * PROVIDER-NOTES), yet OpenAI clients send each id back with the tool's result, and a
 * conversation replays the calls of every earlier turn: ids must be unique across requests,
 * not only within one. A per-translator random prefix and a counter give that, while a
 * fixed prefix keeps tests deterministic.
 */
export class GeminiIds {
  private calls = 0;

  /**
   * `prefix` is random per translator in production (letters and digits only); `endpoint`
   * tags the thought signatures carried in the ids (see gemini-thought-signatures.ts).
   */
  constructor(
    private readonly prefix: string,
    readonly endpoint: string = 'gemini',
  ) {}

  /** The next tool-call id: `call_<prefix>_<n>`, with the part's `thoughtSignature` encoded when it has one. */
  nextToolCallId(thoughtSignature?: unknown): string {
    return withThoughtSignature(`call_${this.prefix}_${this.calls++}`, thoughtSignature, this.endpoint);
  }

  /** The completion id: Gemini's `responseId` when it sent one, else one made from the prefix. */
  completionId(responseId: unknown): string {
    return `chatcmpl-${typeof responseId === 'string' && responseId !== '' ? responseId : this.prefix}`;
  }
}
