import type { Metric } from './descriptor-tree';
import type { CounterSettlement, LimitRule } from './limiter';

/** What a request used by its end, in each metric's units. */
export interface UsedAmounts {
  readonly tokens: number;
  readonly usdMicros: number;
  /** Each cost formula's value for the usage, by formula name. */
  readonly costs: Readonly<Record<string, number>>;
}

/**
 * How a request is settled: what it used; `reserved` keeps all it reserved (a success whose
 * provider reported no usage); `nothing` refunds it all (a request that failed).
 */
export type Used = UsedAmounts | 'reserved' | 'nothing';

/**
 * Settlement as the ext_proc processor calls it: in process, by request id, so neither Envoy
 * nor a client (nor anything reaching the gRPC port) can settle a reservation or name its amounts.
 */
export interface RequestSettlement {
  /**
   * Charges or refunds the request's reservation, once: a second call, or a call for an id
   * with no reservation (refused, not limited, admitted while the store was unreachable and
   * failing closed), does nothing. Never rejects.
   */
  settle(requestId: string, used: Used): Promise<void>;
}

/** One counter a request's reservation took from (or, failing open, would have). */
export interface HeldCounter {
  readonly key: string;
  readonly rule: LimitRule;
  readonly metric: Metric;
  readonly reserved: number;
}

function amountOf(metric: Metric, used: UsedAmounts): number | undefined {
  if (metric === 'tokens') return used.tokens;
  if (metric === 'usd') return used.usdMicros;
  return used.costs[metric];
}

/**
 * What each counter is owed in the end. Requests are counted once and never settled; a
 * formula the usage has no value for keeps its reservation.
 */
export function counterSettlements(counters: readonly HeldCounter[], used: Used): CounterSettlement[] {
  return counters.map((counter) => {
    let owed = counter.reserved;
    if (counter.metric !== 'requests' && used === 'nothing') owed = 0;
    else if (counter.metric !== 'requests' && typeof used === 'object') owed = amountOf(counter.metric, used) ?? counter.reserved;
    return { key: counter.key, rule: counter.rule, reserved: counter.reserved, used: Math.max(0, Math.round(owed)) };
  });
}
