import type { RuntimeConfig } from '../config/runtime';
import type { RequestState } from '../extproc/request-store';
import type { TokenUsage } from '../providers/usage';
import { estimateInputTokens, outputCap } from './estimate';
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
    if (!this.settlement || !limits || !request?.stream) return;
    // Only limits on tokens, dollars or cost formulas settle by output; requests never do.
    this.meter ??= [...limits.metrics].some((metric) => metric !== 'requests') ? new OutputMeter(request.api, outputCap(request, limits.defaultOutputTokens)) : null;
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
      // The same estimate as at admission; recounted only for a stream cut short.
      reservation: this.finishedWith ? { inputTokens: 0, outputTokens: 0 } : { inputTokens: estimateInputTokens(request), outputTokens: outputCap(request, limits.defaultOutputTokens) },
      outputSeen: this.meter?.value ?? 0,
    });
    return typeof usage === 'string' ? usage : usedAmounts(this.config, state.model.name, state.backend?.name, usage);
  }
}
