import type { RuntimeConfig } from '../config/runtime';
import { costMicros } from '../pricing/price-table';
import type { TokenUsage } from '../providers/usage';
import type { UsedAmounts } from './settlement';

/** How a request ended, as its router-level processor saw it. */
export interface RequestEnd {
  /**
   * Set when the response ended normally (or aigw answered it after reading it): its status
   * and usage. Undefined when the stream ended first (client gone, upstream reset, route
   * timeout, ext_proc stream error, an Envoy-made reply that bypassed ext_proc).
   */
  readonly finished?: { readonly status: number; readonly usage: TokenUsage | undefined };
  /** The last response status seen (0: no response headers yet). */
  readonly status: number;
  /** The usage read from the response so far. */
  readonly usage: TokenUsage | undefined;
  /** Whether the client asked for a stream. */
  readonly stream: boolean;
  /** The admission estimate: prompt tokens, and the output cap reserved. */
  readonly reservation: { readonly inputTokens: number; readonly outputTokens: number };
  /** Output tokens estimated from the streamed text seen so far (OutputMeter). */
  readonly outputSeen: number;
}

const success = (status: number): boolean => status >= 200 && status < 300;

/**
 * What a request is charged when it ends:
 * - finished with a success: the usage its provider reported, else its whole reservation
 *   (`reserved`: nothing refunded, as the provider may have billed up to it);
 * - finished or cut with an error status: `nothing` (providers do not bill refused requests);
 * - cut before a normal end: the prompt (the reported usage's, else the admission estimate)
 *   plus the output seen (the reported usage's, else the streamed text's estimate, at most
 *   the output cap); a non-streamed success cut after its headers was generated whole before
 *   it was sent, so its output is the cap.
 */
export function usageAtEnd(end: RequestEnd): TokenUsage | 'reserved' | 'nothing' {
  if (end.finished) return success(end.finished.status) ? (end.finished.usage ?? 'reserved') : 'nothing';
  if (end.status !== 0 && !success(end.status)) return 'nothing';
  const usage = end.usage;
  const inputTokens = usage?.inputTokens ?? end.reservation.inputTokens;
  const generatedWhole = success(end.status) && !end.stream;
  const outputTokens = generatedWhole ? (usage?.outputTokens ?? end.reservation.outputTokens) : Math.max(usage?.outputTokens ?? 0, end.outputSeen);
  return {
    inputTokens,
    outputTokens,
    cachedInputTokens: Math.min(usage?.cachedInputTokens ?? 0, inputTokens),
    cacheCreationInputTokens: Math.min(usage?.cacheCreationInputTokens ?? 0, inputTokens),
    reasoningTokens: Math.min(usage?.reasoningTokens ?? 0, outputTokens),
    totalTokens: inputTokens + outputTokens,
  };
}

/**
 * A usage in each metric's units: tokens, micro-dollars at the price of the backend that
 * answered (0 for an unpriced model), and every cost formula's value.
 */
export function usedAmounts(config: RuntimeConfig, model: string, backend: string | undefined, usage: TokenUsage): UsedAmounts {
  const price = config.prices.priceOf(model, backend);
  const costs: Record<string, number> = {};
  for (const [name, formula] of config.rateLimits?.formulas ?? []) costs[name] = formula(usage, model, backend ?? '');
  return { tokens: usage.totalTokens, usdMicros: price ? costMicros(usage, price) : 0, costs };
}
