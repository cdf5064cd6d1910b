import type { CheckStatus, CounterSettlement, Decision, LimitCheck, LimitRule, Limiter, RecordState, ReservationId, SettleOutcome, Settlement } from './limiter';
import { windowAt } from './windows';

/** A counter's state: used amount in a window, or a bucket's tokens at a time. */
interface Counter {
  /** Windows: amount used. Buckets: tokens left at `at` (negative = debt from settlements). */
  value: number;
  at: number;
  /** When the entry can be forgotten (ms). */
  expiresAt: number;
}

/** How many decisions between sweeps of expired counters. */
const SWEEP_EVERY = 1024;

/** The storage key of a counter: fixed windows get their start, so each window counts afresh. */
export function storageKey(key: string, rule: LimitRule, now: number): string {
  return rule.kind === 'window' ? `${key}|${windowAt(rule.unit, now, rule.timeZone).start}` : key;
}

/** Bucket tokens at `now`: refilled since `at`, never above capacity (a clock going back refills nothing). */
export function refill(counter: Counter | undefined, rule: Extract<LimitRule, { kind: 'bucket' }>, now: number): number {
  if (!counter) return rule.capacity;
  const elapsed = Math.max(0, now - counter.at) / 1000;
  return Math.min(rule.capacity, counter.value + elapsed * rule.refillPerSecond);
}

/** Seconds until a bucket holding `tokens` has `needed` again (Infinity when it never refills). */
function secondsUntil(tokens: number, needed: number, rule: Extract<LimitRule, { kind: 'bucket' }>): number {
  if (tokens >= needed) return 0;
  return rule.refillPerSecond > 0 ? (needed - tokens) / rule.refillPerSecond : Number.POSITIVE_INFINITY;
}

/**
 * Counters in this process: the default store, correct for one aigw instance only (each
 * instance would count on its own). JavaScript runs one decision at a time, so reserve()
 * is atomic without locks.
 */
export class MemoryLimiter implements Limiter {
  private readonly counters = new Map<string, Counter>();
  /** Reservation records by id (see RedisLimiter: same states, same rules). */
  private readonly records = new Map<string, { state: RecordState; expiresAt: number }>();
  private decisions = 0;

  async reserve(checks: readonly LimitCheck[], now = Date.now(), reservation?: ReservationId): Promise<Decision> {
    this.maybeSweep(now);
    const earlier = reservation ? this.record(reservation.id, now) : undefined;
    const looked = checks.map((check) => this.look(check, now));
    const fits = checks.every((check, index) => check.shadow || looked[index].room >= check.hits);
    const allowed = earlier ? earlier === 'taken' : fits;
    if (fits && !earlier) {
      if (reservation) this.records.set(reservation.id, { state: 'taken', expiresAt: now + reservation.ttlMs });
      checks.forEach((check, index) => {
        const { storage, counter, room, expiresAt } = looked[index];
        if (check.rule.kind === 'window') this.counters.set(storage, { value: (counter?.value ?? 0) + check.hits, at: now, expiresAt });
        else this.counters.set(storage, { value: room - check.hits, at: now, expiresAt });
      });
    }
    const statuses: CheckStatus[] = checks.map((check, index) => {
      const { room, limit, windowEnd } = looked[index];
      const left = fits && !earlier ? room - check.hits : room;
      const overLimit = room < check.hits;
      let resetSeconds: number;
      if (check.rule.kind === 'window') resetSeconds = ((windowEnd ?? now) - now) / 1000;
      else {
        const wait = secondsUntil(left, overLimit ? check.hits : check.rule.capacity, check.rule);
        resetSeconds = Number.isFinite(wait) ? wait : 0;
      }
      return { overLimit, limit, remaining: Math.max(0, left), resetSeconds };
    });
    return earlier ? { allowed, statuses, earlier } : { allowed, statuses };
  }

  async settle(settlement: Settlement, now = Date.now()): Promise<SettleOutcome> {
    const { id, ttlMs } = settlement.reservation;
    const state = this.record(id, now);
    const taken = state === 'taken';
    if (settlement.mode === 'settle' && !taken) return 'absent';
    if (settlement.mode === 'release') {
      if (!state) {
        this.records.set(id, { state: 'released', expiresAt: now + ttlMs });
        return 'tombstone';
      }
      if (!taken) return 'absent';
    }
    if (settlement.mode === 'charge') {
      if (state === 'settled') return 'absent';
      this.records.set(id, { state: 'settled', expiresAt: now + ttlMs });
    } else {
      this.records.delete(id);
    }
    for (const item of settlement.counters) this.apply(item, taken ? item.used - item.reserved : item.used, settlement.reservedAt, now);
    return 'applied';
  }

  /** Charges (positive delta) or refunds (negative) one counter, in the window charged at `reservedAt`. */
  private apply(item: CounterSettlement, delta: number, reservedAt: number, now: number): void {
    if (delta === 0) return;
    if (item.rule.kind === 'window') {
      const storage = storageKey(item.key, item.rule, reservedAt);
      const counter = this.counters.get(storage);
      const window = windowAt(item.rule.unit, reservedAt, item.rule.timeZone);
      if (!counter && window.end <= now) return; // long gone: nothing to correct
      this.counters.set(storage, { value: Math.max(0, (counter?.value ?? 0) + delta), at: now, expiresAt: window.end + 60_000 });
    } else {
      const counter = this.counters.get(item.key);
      const tokens = Math.min(item.rule.capacity, refill(counter, item.rule, now) - delta);
      this.counters.set(item.key, { value: tokens, at: now, expiresAt: now + this.fullInMs(tokens, item.rule) });
    }
  }

  async close(): Promise<void> {
    this.counters.clear();
    this.records.clear();
  }

  /** A live record's state (an expired one is gone, as in Redis). */
  private record(id: string, now: number): RecordState | undefined {
    const record = this.records.get(id);
    if (record && record.expiresAt <= now) this.records.delete(id);
    return record && record.expiresAt > now ? record.state : undefined;
  }

  /** Counters held (for tests of expiry). */
  get size(): number {
    return this.counters.size;
  }

  private look(check: LimitCheck, now: number): { storage: string; counter?: Counter; room: number; limit: number; expiresAt: number; windowEnd?: number } {
    const storage = storageKey(check.key, check.rule, now);
    const counter = this.counters.get(storage);
    if (check.rule.kind === 'window') {
      const window = windowAt(check.rule.unit, now, check.rule.timeZone);
      return { storage, counter, room: check.rule.perUnit - (counter?.value ?? 0), limit: check.rule.perUnit, expiresAt: window.end + 60_000, windowEnd: window.end };
    }
    const tokens = refill(counter, check.rule, now);
    return { storage, counter, room: tokens, limit: check.rule.capacity, expiresAt: now + this.fullInMs(tokens - check.hits, check.rule) };
  }

  /** A bucket can be forgotten once it would be full again (then it equals a fresh one). */
  private fullInMs(tokens: number, rule: Extract<LimitRule, { kind: 'bucket' }>): number {
    const seconds = secondsUntil(tokens, rule.capacity, rule);
    return Number.isFinite(seconds) ? Math.ceil(seconds * 1000) + 1000 : 365 * 86_400_000;
  }

  private maybeSweep(now: number): void {
    this.decisions += 1;
    if (this.decisions % SWEEP_EVERY !== 0) return;
    for (const [key, counter] of this.counters) if (counter.expiresAt <= now) this.counters.delete(key);
    for (const [id, record] of this.records) if (record.expiresAt <= now) this.records.delete(id);
  }
}
