import type { Metric } from './descriptor-tree';

/**
 * What a request reserved, as the rate-limit service tells Envoy in its response's dynamic
 * metadata (`envoy.filters.http.ratelimit: aigw_reservation`) and Envoy hands back in the
 * stream-done descriptors' `settle` entry: `tokens=1200;usd=5400;at=1732270000000`.
 * Only a request whose reservation was taken carries one, so only it is ever settled.
 */
export interface ReservationRecord {
  readonly amounts: Partial<Record<Metric, number>>;
  /** When the reservation was taken (ms), so a refund finds the window it was charged to. */
  readonly at: number;
}

/** The metadata key under the ratelimit filter's namespace. */
export const RESERVATION_KEY = 'aigw_reservation';

export function formatRecord(record: ReservationRecord): string {
  const parts = Object.entries(record.amounts).map(([metric, amount]) => `${metric}=${amount}`);
  return [...parts, `at=${record.at}`].join(';');
}

/** Parses a record; undefined for anything malformed (then nothing is settled). */
export function parseRecord(text: string): ReservationRecord | undefined {
  const amounts: Partial<Record<Metric, number>> = {};
  let at: number | undefined;
  for (const part of text.split(';')) {
    const match = /^([a-z][a-z0-9_]{0,31})=(\d{1,16})$/.exec(part);
    if (!match) return undefined;
    if (match[1] === 'at') at = Number(match[2]);
    else amounts[match[1] as Metric] = Number(match[2]);
  }
  return at === undefined ? undefined : { amounts, at };
}
