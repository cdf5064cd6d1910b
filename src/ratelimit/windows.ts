import type { WindowUnit } from './limiter';

/** A fixed window: [start, end) in ms since the epoch. */
export interface Window {
  readonly start: number;
  readonly end: number;
}

const FIXED_MS: Partial<Record<WindowUnit, number>> = { second: 1000, minute: 60_000, hour: 3_600_000 };

interface LocalDate {
  year: number;
  month: number;
  day: number;
  /** 0 = Monday … 6 = Sunday. */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let found = formatters.get(timeZone);
  if (!found) {
    found = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', weekday: 'short' });
    formatters.set(timeZone, found);
  }
  return found;
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** The wall-clock fields of an instant in a zone. */
function localParts(instant: number, timeZone: string): LocalDate & { hour: number; minute: number; second: number } {
  const parts: Record<string, string> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(instant))) parts[part.type] = part.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    weekday: WEEKDAYS.indexOf(parts.weekday),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

/** The zone's offset from UTC at an instant, in ms (local = UTC + offset). */
function offsetAt(instant: number, timeZone: string): number {
  const local = localParts(instant, timeZone);
  const asUtc = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant of a local midnight. Where midnight does not exist (a DST jump at 00:00) the
 * first instant of that local day is used; the two offsets around the guess cover both cases.
 */
function localMidnight(year: number, month: number, day: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day);
  const first = wall - offsetAt(wall, timeZone);
  const second = wall - offsetAt(first, timeZone);
  const candidates = [first, second].filter((instant) => {
    const local = localParts(instant, timeZone);
    return local.year === year && local.month === month && local.day === day;
  });
  return candidates.length > 0 ? Math.min(...candidates) : Math.max(first, second);
}

/** The start of the local calendar period of `unit` containing the local date, as local y/m/d. */
function periodStart(unit: WindowUnit, date: LocalDate): [number, number, number] {
  switch (unit) {
    case 'week': {
      const monday = new Date(Date.UTC(date.year, date.month - 1, date.day - date.weekday));
      return [monday.getUTCFullYear(), monday.getUTCMonth() + 1, monday.getUTCDate()];
    }
    case 'month':
      return [date.year, date.month, 1];
    case 'year':
      return [date.year, 1, 1];
    default:
      return [date.year, date.month, date.day];
  }
}

/** The local y/m/d one period after a period start. */
function nextPeriod(unit: WindowUnit, [year, month, day]: [number, number, number]): [number, number, number] {
  const next = new Date(Date.UTC(year, month - 1, day));
  if (unit === 'week') next.setUTCDate(next.getUTCDate() + 7);
  else if (unit === 'month') next.setUTCMonth(next.getUTCMonth() + 1);
  else if (unit === 'year') next.setUTCFullYear(next.getUTCFullYear() + 1);
  else next.setUTCDate(next.getUTCDate() + 1);
  return [next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate()];
}

/**
 * The fixed window of `unit` containing `now`. Seconds, minutes and hours are aligned to the
 * epoch (the same instants everywhere); days, weeks (from Monday), months and years follow
 * the calendar in `timeZone` (default UTC), so a "day" in Europe/Berlin starts at local
 * midnight and lasts 23 or 25 hours across a DST change.
 */
export function windowAt(unit: WindowUnit, now: number, timeZone = 'UTC'): Window {
  const fixed = FIXED_MS[unit];
  if (fixed !== undefined) {
    const start = Math.floor(now / fixed) * fixed;
    return { start, end: start + fixed };
  }
  // Calendar math costs ~100 µs (Intl); a window lasts at least a day, so the last one per
  // unit and zone answers nearly every call.
  const cacheKey = `${unit}|${timeZone}`;
  const cached = recent.get(cacheKey);
  if (cached && now >= cached.start && now < cached.end) return cached;
  const start = periodStart(unit, localParts(now, timeZone));
  const end = nextPeriod(unit, start);
  const window = { start: localMidnight(...start, timeZone), end: localMidnight(...end, timeZone) };
  recent.set(cacheKey, window);
  return window;
}

/** The most recent calendar window per unit and zone. */
const recent = new Map<string, Window>();
