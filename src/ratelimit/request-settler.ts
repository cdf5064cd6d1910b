import type { RuntimeConfig } from '../config/runtime';
import type { RequestState } from '../extproc/request-store';
import type { TokenUsage } from '../providers/usage';
import { estimateInputTokens } from './estimate';
import { reservedInputTokens } from './input-margins';
import { outputCap } from './output-cap';
import { OutputMeter } from './output-meter';
import type { RequestSettlement, Used } from './settlement';
import { usageAtEnd, usedAmounts } from './usage-at-end';

/**
 * One request's settlement, as its router-level processor feeds it: the streamed output it
 * sees, how the response finished (if it did), and the end of the ext_proc stream, where it
 * settles exactly once. Without a settlement service (no limits), it does nothing.
 */
export class RequestSettler {
  /** null: nothing to meter (only request limits). */
  private meter: OutputMeter | null | undefined;
  private finishedWith: { status: number; usage: TokenUsage | undefined } | undefined;
  private settled = false;

  constructor(
    private readonly settlement: RequestSettlement | undefined,
    private readonly config: RuntimeConfig,
  ) {}

  /** A chunk of a successful response, as the client gets it (only streams are metered). */
  streamed(state: RequestState | undefined, chunk: Buffer): void {
    const request = state?.request;
    const limits = this.config.rateLimits;
    if (!this.settlement || !limits || !request?.stream || !state?.model) return;
    // Only limits on tokens, dollars or cost formulas settle by output; requests never do.
    this.meter ??= [...limits.metrics].some((metric) => metric !== 'requests') ? new OutputMeter(request.api, outputCap(request, state.model.backends, limits.defaultOutputTokens)) : null;
    this.meter?.push(chunk);
  }

  /** The response ended normally (or aigw answered it after reading it) with this status and usage. */
  finished(status: number, usage: TokenUsage | undefined): void {
    this.finishedWith ??= { status, usage };
  }

  /** The ext_proc stream is over, however it ended: settle once with what was seen. */
  close(state: RequestState | undefined, status: number): void {
    if (this.settled || !this.settlement) return;
    this.settled = true;
    const used = this.used(state, status);
    if (state && used) void this.settlement.settle(state.id, used);
  }

  /** Undefined for a request that never reached admission (nothing was reserved). */
  private used(state: RequestState | undefined, status: number): Used | undefined {
    const request = state?.request;
    const limits = this.config.rateLimits;
    if (!state?.model || !request || !limits) return undefined;
    const usage = usageAtEnd({
      finished: this.finishedWith,
      status,
      usage: state.translator?.usage(),
      stream: request.stream,
      reservation: this.finishedWith ? { inputTokens: 0, outputTokens: 0 } : this.reservedAtEnd(state),
      outputSeen: this.meter?.value ?? 0,
    });
    return typeof usage === 'string' ? usage : usedAmounts(this.config, state.model.name, state.backend?.name, usage);
  }

  /**
   * The admission estimate, recounted only for a request cut short: the prompt with the margin
   * of the backend that served it (of every backend when none did yet), which errs towards
   * the limit and never exceeds what was reserved, and the output cap reserved.
   */
  private reservedAtEnd(state: RequestState): { inputTokens: number; outputTokens: number } {
    const limits = this.config.rateLimits;
    const { request, model } = state;
    if (!limits || !request || !model) return { inputTokens: 0, outputTokens: 0 };
    const serving = model.backends.filter((entry) => entry.backend.name === state.backend?.name);
    const backends = serving.length > 0 ? serving : model.backends;
    return {
      inputTokens: reservedInputTokens(request, estimateInputTokens(request), backends, limits.inputMargins),
      outputTokens: outputCap(request, model.backends, limits.defaultOutputTokens),
    };
  }
}
