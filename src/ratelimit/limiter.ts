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
  /**
   * Set when the reservation's id already had a record (an earlier reserve with this id took
   * its hits, or a release or settlement came first): then nothing was taken now, whatever
   * `allowed` says.
   */
  readonly earlier?: RecordState;
}

/**
 * A reservation's identity in the store: one per request, so that a reserve, its release and
 * its settlement each take effect at most once however often (or late) a command runs.
 */
export interface ReservationId {
  /** The request's id (unique per aigw process, unguessable across processes). */
  readonly id: string;
  /** How long its record lives (ms): the longest a request can last, plus a margin. */
  readonly ttlMs: number;
}

/**
 * What a reservation's record says. `taken`: the reserve ran and took its hits. `released`:
 * aigw gave up on the reserve first (a tombstone, so a late reserve takes nothing).
 * `settled`: settled without a confirmed reservation (`charge`). No record: never reserved,
 * or settled (and deleted), or expired.
 */
export type RecordState = 'taken' | 'released' | 'settled';

/** One counter of a reservation at its end: what was reserved from it and what is due. */
export interface CounterSettlement {
  readonly key: string;
  readonly rule: LimitRule;
  /** Hits the reserve took (or would have taken). */
  readonly reserved: number;
  /** What the request owes this counter in the end (0 refunds the whole reservation). */
  readonly used: number;
}

/**
 * How a settlement treats the reservation's record:
 * - `settle`: the reservation was confirmed (its reply was seen): if the record still says
 *   taken, charge or refund `used - reserved` and delete it; otherwise do nothing.
 * - `release`: aigw gave up on the reserve: if it was taken, refund it; if it has not run,
 *   leave a tombstone (for the record's time to live) so that it takes nothing when it does.
 * - `charge`: a request admitted without a confirmed reservation (fail-open) ended: if the
 *   reserve took its hits after all, charge `used - reserved`, else charge `used`; then mark
 *   the record settled so that neither a retry nor a late reserve counts again.
 */
export type SettleMode = 'settle' | 'release' | 'charge';

/** What a settlement did: `applied` the counters; found nothing to do (`absent`); left a `tombstone`. */
export type SettleOutcome = 'applied' | 'absent' | 'tombstone';

/** One reservation's settlement, for Limiter.settle. */
export interface Settlement {
  readonly reservation: ReservationId;
  readonly mode: SettleMode;
  /** When the reservation was made (ms), so windows are settled in the window that was charged. */
  readonly reservedAt: number;
  readonly counters: readonly CounterSettlement[];
}

/** Why the backend could not decide (timeout, connection down): the service applies fail-open or fail-closed. */
export class LimiterUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LimiterUnavailableError';
  }
}

/**
 * A counter store. Every method settles within the backend's configured timeout or throws
 * LimiterUnavailableError; a command that timed out may still run later (it is already on
 * its way), which the reservation's record makes harmless.
 */
export interface Limiter {
  /**
   * All or nothing: if every non-shadow check has room for its hits, take all hits from all
   * checks (shadow ones included); otherwise take nothing. Atomic against concurrent callers,
   * including other gateway instances sharing the backend. With a reservation id, a
   * successful reserve records it (for `ttlMs`), and an id that already has a record takes
   * nothing (see Decision.earlier).
   */
  reserve(checks: readonly LimitCheck[], now?: number, reservation?: ReservationId): Promise<Decision>;
  /**
   * Charges or refunds a reservation's counters, at most once per reservation id (see
   * SettleMode), atomically with the check of its record. Never blocks: a window never goes
   * below 0, a bucket never above its capacity (it may go into debt).
   */
  settle(settlement: Settlement, now?: number): Promise<SettleOutcome>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}
