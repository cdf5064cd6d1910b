import type { HeldCounter } from './settlement';

/** A request's reservation as the service holds it until the request ends. */
export interface HeldReservation {
  readonly domain: string;
  readonly counters: readonly HeldCounter[];
  /** When it was reserved (ms): settlements land in the windows charged then. */
  readonly reservedAt: number;
  /** Its record's time to live in the store (ms). */
  readonly ttlMs: number;
  /**
   * True when the store's answer was seen; false when aigw gave up waiting and failed open:
   * the request runs, and its end charges what it used whether or not the reserve ran.
   */
  readonly confirmed: boolean;
}

/**
 * Reservations by request id, kept in this process only (the ext_proc processor of the same
 * request settles them here), and decisions still in flight, so that a request ending while
 * its own admission is still being decided is settled once that decision is known.
 */
export class ReservationBook {
  private readonly held = new Map<string, HeldReservation & { expiresAt: number }>();
  private readonly decisions = new Map<string, Promise<unknown>>();

  /** Holds a request's reservation; an id already held keeps its first one. */
  hold(id: string, reservation: HeldReservation, now = Date.now()): void {
    this.sweep(now);
    if (!this.held.has(id)) this.held.set(id, { ...reservation, expiresAt: now + reservation.ttlMs });
  }

  /** Removes and returns a held reservation (undefined when unknown or already taken). */
  take(id: string): HeldReservation | undefined {
    const reservation = this.held.get(id);
    this.held.delete(id);
    return reservation;
  }

  /** Marks the decision for `id` as in flight until `decision` settles; returns it. */
  deciding<T>(id: string, decision: Promise<T>): Promise<T> {
    const done = decision.finally(() => {
      if (this.decisions.get(id) === done) this.decisions.delete(id);
    });
    this.decisions.set(id, done);
    return done;
  }

  /** Resolves once no decision for `id` is in flight. */
  async decided(id: string): Promise<void> {
    await this.decisions.get(id)?.catch(() => undefined);
  }

  get size(): number {
    return this.held.size;
  }

  /**
   * Forgets reservations older than their records (a request that never ended as far as this
   * process knows: its counters stay charged, as the store keeps them). Entries are in
   * insertion order, so the sweep stops at the first live one.
   */
  private sweep(now: number): void {
    for (const [id, reservation] of this.held) {
      if (reservation.expiresAt > now) break;
      this.held.delete(id);
    }
  }
}
