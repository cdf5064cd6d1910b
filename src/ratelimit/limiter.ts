/**
 * The limiter: counters behind the rate-limit service. The service (rate-limit-service.ts)
 * turns Envoy's descriptors into checks; a Limiter applies them atomically in one backend
 * round trip. Backends: memory (one instance only) and Redis (a fleet).
 */

/** Calendar units of a fixed window, as envoyproxy/ratelimit names them. */
export type WindowUnit = 'second' | 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year';

/** How a counter refills. */
export type LimitRule =
  /** A fixed window aligned to the calendar (in `timeZone`, default UTC): `perUnit` hits per window. */
  | { readonly kind: 'window'; readonly unit: WindowUnit; readonly perUnit: number; readonly timeZone?: string }
  /** A token bucket holding at most `capacity`, refilled continuously at `refillPerSecond`. */
  | { readonly kind: 'bucket'; readonly capacity: number; readonly refillPerSecond: number };

/** One counter a request touches. */
export interface LimitCheck {
  /**
   * The counter's identity without any window suffix (the backend adds the window start for
   * fixed windows), e.g. `aigw|metric=tokens|team=research`. The Redis backend adds a hash tag.
   */
  readonly key: string;
  readonly rule: LimitRule;
  /** Hits to take (the request's reservation); 0 only looks. */
  readonly hits: number;
  /** Counted and reported, but never blocks (envoyproxy/ratelimit's shadow_mode). */
  readonly shadow: boolean;
}

/** A counter's state after a decision. */
export interface CheckStatus {
  readonly overLimit: boolean;
  /** The limit: perUnit for windows, capacity for buckets. */
  readonly limit: number;
  /** What is left after this decision (never negative). */
  readonly remaining: number;
  /** Seconds until the window resets, or until the bucket has room for this request's hits again. */
  readonly resetSeconds: number;
}

/** The outcome of one reserve() call. */
export interface Decision {
  /** False when any non-shadow check lacked room; then nothing was taken from any counter. */
  readonly allowed: boolean;
  /** One status per check, in order. */
  readonly statuses: readonly CheckStatus[];
}

/** A settlement: the real usage minus what was reserved, charged or refunded. */
export interface Adjustment {
  readonly key: string;
  readonly rule: LimitRule;
  /** Positive charges more, negative refunds (a bucket never exceeds its capacity; a window never goes below 0). */
  readonly delta: number;
  /**
   * For fixed windows: the time (ms since epoch) the reservation was made, so a refund lands in
   * the window that was charged even if settlement comes after the window rolled over.
   */
  readonly reservedAt?: number;
}

/** Why the backend could not decide (timeout, connection down): the service applies fail-open or fail-closed. */
export class LimiterUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LimiterUnavailableError';
  }
}

/** A counter store. Every method settles within the backend's configured timeout or throws LimiterUnavailableError. */
export interface Limiter {
  /**
   * All or nothing: if every non-shadow check has room for its hits, take all hits from all
   * checks (shadow ones included); otherwise take nothing. Atomic against concurrent callers,
   * including other gateway instances sharing the backend.
   */
  reserve(checks: readonly LimitCheck[], now?: number): Promise<Decision>;
  /** Applies settlements unconditionally (they never block). */
  adjust(adjustments: readonly Adjustment[], now?: number): Promise<void>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}
