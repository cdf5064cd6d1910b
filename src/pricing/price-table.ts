import type { PriceConfig } from '../config/schema-limits';
import type { TokenUsage } from '../providers/usage';

/** USD per million tokens for each token kind — which is also micro-dollars per token. */
export interface Price {
  readonly input: number;
  readonly cachedInput: number;
  readonly cacheWrite: number;
  readonly output: number;
  readonly reasoning: number;
}

function toPrice(config: PriceConfig): Price {
  return {
    input: config.input,
    cachedInput: config.cachedInput ?? config.input,
    cacheWrite: config.cacheWrite ?? config.input,
    output: config.output,
    reasoning: config.reasoning ?? config.output,
  };
}

/**
 * The cost of one response in micro-dollars, rounded up. Follows the usage invariants
 * (src/providers/usage.ts): cached and cache-creation tokens are part of inputTokens and
 * reasoning tokens part of outputTokens, so each token is priced exactly once.
 */
export function costMicros(usage: TokenUsage, price: Price): number {
  const plainInput = Math.max(0, usage.inputTokens - usage.cachedInputTokens - usage.cacheCreationInputTokens);
  const plainOutput = Math.max(0, usage.outputTokens - usage.reasoningTokens);
  const micros =
    plainInput * price.input +
    usage.cachedInputTokens * price.cachedInput +
    usage.cacheCreationInputTokens * price.cacheWrite +
    plainOutput * price.output +
    usage.reasoningTokens * price.reasoning;
  // Prices like 0.15 $/M make fractions of a micro-dollar; 1e-9 absorbs float noise before rounding up.
  return Math.max(0, Math.ceil(micros - 1e-9));
}

/** Prices by model, with per-backend overrides (a model can cost differently on each provider). */
export class PriceTable {
  private readonly byModel = new Map<string, { any?: Price; backends: Map<string, Price> }>();

  constructor(prices: readonly PriceConfig[]) {
    for (const entry of prices) {
      const model = this.byModel.get(entry.model) ?? { backends: new Map<string, Price>() };
      if (entry.backend === undefined) model.any = toPrice(entry);
      else model.backends.set(entry.backend, toPrice(entry));
      this.byModel.set(entry.model, model);
    }
  }

  /** The price of a model on a backend, if configured. */
  priceOf(model: string, backend: string | undefined): Price | undefined {
    const entry = this.byModel.get(model);
    if (!entry) return undefined;
    return (backend === undefined ? undefined : entry.backends.get(backend)) ?? entry.any;
  }

  /**
   * The most a request can cost before its backend is known: each token kind at its highest
   * price across the model's backends (a failover may land on the dearest one).
   */
  highestPrice(model: string, backends: readonly string[]): Price | undefined {
    const prices = backends.map((backend) => this.priceOf(model, backend)).filter((price): price is Price => price !== undefined);
    if (prices.length === 0) return undefined;
    const max = (pick: (price: Price) => number): number => Math.max(...prices.map(pick));
    return {
      input: max((price) => price.input),
      cachedInput: max((price) => price.cachedInput),
      cacheWrite: max((price) => price.cacheWrite),
      output: max((price) => price.output),
      reasoning: max((price) => price.reasoning),
    };
  }
}
