import type { Logger } from '../telemetry/logger';
import type { GatewayMetrics } from '../telemetry/metrics';
import type { Limiter, SettleMode, Settlement } from './limiter';
import { LimiterUnavailableError } from './limiter';
import type { HeldReservation } from './reservation-book';
import { ReservationBook } from './reservation-book';
import { RetryQueue } from './retry-queue';
import type { RequestSettlement, Used } from './settlement';
import { counterSettlements } from './settlement';

/** Most store commands waiting for a retry (see RetryQueue). */
const RETRY_CAPACITY = 10_000;
const RETRY_FIRST_DELAY_MS = 50;
const RETRY_MAX_DELAY_MS = 5_000;
/** How long close() waits for settlements still on their way to the store. */
const CLOSE_WAIT_MS = 2_000;

/**
 * The reservations of requests in flight, on the rate-limit service's side: held in this
 * process under each request's id from admission to the request's end, then settled once;
 * releases of reserves aigw gave up on, and settlements the store did not answer, are sent
 * again from a bounded queue (each is idempotent by request id, see limiter.ts).
 */
export class Reservations implements RequestSettlement {
  private readonly book = new ReservationBook();
  private readonly retries: RetryQueue;
  /** Settlements on their way to the store, which close() lets finish. */
  private readonly settling = new Set<Promise<void>>();

  constructor(
    private readonly limiter: Limiter,
    private readonly context: { logger: Logger; metrics: GatewayMetrics },
  ) {
    const metrics = context.metrics;
    this.retries = new RetryQueue({
      capacity: RETRY_CAPACITY,
      firstDelayMs: RETRY_FIRST_DELAY_MS,
      maxDelayMs: RETRY_MAX_DELAY_MS,
      counted: (operation, result) => {
        metrics.rateLimitRetries.inc({ operation, result });
        metrics.rateLimitRetryQueue.set(this.retries.size);
      },
    });
  }

  /** Reservations held for requests in flight. */
  get held(): number {
    return this.book.size;
  }

  /** Marks request `id`'s admission as being decided until `decision` settles (see settle()). */
  deciding<T>(id: string, decision: Promise<T>): Promise<T> {
    return this.book.deciding(id, decision);
  }

  /** Holds a request's reservation until the request ends. */
  hold(id: string, reservation: HeldReservation, now = Date.now()): void {
    this.book.hold(id, reservation, now);
  }

  /**
   * Releases a reserve aigw will not hold (it gave up waiting, or nobody waits for the
   * answer): refunds what it took, or, not run yet, makes it take nothing when it runs.
   */
  release(id: string, reservation: HeldReservation): void {
    this.retries.add({
      operation: 'release',
      deadline: reservation.reservedAt + reservation.ttlMs,
      run: () => this.limiter.settle(settlementOf(id, reservation, 'release', 'nothing')),
      onGiveUp: () => this.context.logger.warn('rate limit reservation not released', { requestId: id }),
    });
  }

  /**
   * Settles a request's reservation once (see RequestSettlement), after its admission if that
   * is still being decided: `settle` when the store's answer was seen, `charge` when aigw
   * failed open without it.
   */
  async settle(requestId: string, used: Used): Promise<void> {
    try {
      await this.book.decided(requestId);
      const held = this.book.take(requestId);
      if (!held) return;
      const settling = this.apply(requestId, held, settlementOf(requestId, held, held.confirmed ? 'settle' : 'charge', used));
      this.settling.add(settling);
      await settling.finally(() => this.settling.delete(settling));
    } catch (error) {
      this.context.logger.error('rate limit settlement failed', { requestId, error: (error as Error).message });
    }
  }

  /** Stops retrying after letting settlements on their way finish (for at most CLOSE_WAIT_MS). */
  async close(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CLOSE_WAIT_MS);
    });
    await Promise.race([Promise.allSettled([...this.settling]), deadline]);
    clearTimeout(timer);
    this.retries.close();
  }

  /** Sends a settlement; one the store does not answer is retried (it applies at most once). */
  private async apply(requestId: string, held: HeldReservation, settlement: Settlement): Promise<void> {
    const counted = (): void => this.counted(held, settlement);
    try {
      // "absent": the record expired first (a request longer than its time to live), and the
      // reservation stays charged as it was.
      if ((await this.limiter.settle(settlement)) === 'applied') counted();
      else this.lost(held);
    } catch (error) {
      if (!(error instanceof LimiterUnavailableError)) throw error;
      this.context.logger.warn('rate limit settlement delayed', { requestId, error: error.message });
      this.retries.add(
        {
          operation: 'settle',
          deadline: held.reservedAt + held.ttlMs,
          // Answered "absent" on a retry: an earlier attempt ran after all, and was counted nowhere.
          run: () => this.limiter.settle(settlement).then(counted),
          onGiveUp: () => this.lost(held),
        },
        RETRY_FIRST_DELAY_MS,
      );
    }
  }

  private counted(held: HeldReservation, settlement: Settlement): void {
    settlement.counters.forEach((counter, index) => {
      const metric = held.counters[index].metric;
      const delta = counter.used - counter.reserved;
      if (delta > 0) this.context.metrics.rateLimitSettlements.inc({ domain: held.domain, metric, kind: 'charged' }, delta);
      if (delta < 0) this.context.metrics.rateLimitSettlements.inc({ domain: held.domain, metric, kind: 'refunded' }, -delta);
    });
  }

  private lost(held: HeldReservation): void {
    for (const counter of held.counters) this.context.metrics.rateLimitSettlements.inc({ domain: held.domain, metric: counter.metric, kind: 'lost' });
  }
}

/** The store command settling `reservation` in `mode` with `used`. */
function settlementOf(id: string, reservation: HeldReservation, mode: SettleMode, used: Used): Settlement {
  return { reservation: { id, ttlMs: reservation.ttlMs }, mode, reservedAt: reservation.reservedAt, counters: counterSettlements(reservation.counters, used) };
}
