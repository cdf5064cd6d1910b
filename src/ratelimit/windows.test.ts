import { windowAt } from './windows';

const at = (iso: string): number => Date.parse(iso);
const iso = (window: { start: number; end: number }): [string, string] => [new Date(window.start).toISOString(), new Date(window.end).toISOString()];

describe('windowAt', () => {
  test('seconds, minutes and hours are aligned to the epoch', () => {
    expect(iso(windowAt('second', at('2026-03-01T10:20:30.456Z')))).toEqual(['2026-03-01T10:20:30.000Z', '2026-03-01T10:20:31.000Z']);
    expect(iso(windowAt('minute', at('2026-03-01T10:20:30Z'), 'Asia/Kolkata'))).toEqual(['2026-03-01T10:20:00.000Z', '2026-03-01T10:21:00.000Z']);
    expect(iso(windowAt('hour', at('2026-03-01T10:20:30Z')))).toEqual(['2026-03-01T10:00:00.000Z', '2026-03-01T11:00:00.000Z']);
  });

  test('UTC days, weeks from Monday, months and years', () => {
    const now = at('2028-02-29T23:59:59.999Z'); // a leap day, a Tuesday
    expect(iso(windowAt('day', now))).toEqual(['2028-02-29T00:00:00.000Z', '2028-03-01T00:00:00.000Z']);
    expect(iso(windowAt('week', now))).toEqual(['2028-02-28T00:00:00.000Z', '2028-03-06T00:00:00.000Z']);
    expect(iso(windowAt('month', now))).toEqual(['2028-02-01T00:00:00.000Z', '2028-03-01T00:00:00.000Z']);
    expect(iso(windowAt('year', now))).toEqual(['2028-01-01T00:00:00.000Z', '2029-01-01T00:00:00.000Z']);
    expect(iso(windowAt('month', at('2026-12-31T12:00:00Z')))).toEqual(['2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z']);
    expect(iso(windowAt('week', at('2026-11-22T12:00:00Z')))).toEqual(['2026-11-16T00:00:00.000Z', '2026-11-23T00:00:00.000Z']); // a Sunday
  });

  test('calendar windows follow the time zone, including DST days of 23 and 25 hours', () => {
    // Berlin: CET (+1) → CEST (+2) on 2026-03-29 at 02:00 local.
    expect(iso(windowAt('day', at('2026-03-29T12:00:00Z'), 'Europe/Berlin'))).toEqual(['2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z']);
    // New York: EDT (-4) → EST (-5) on 2026-11-01 at 02:00 local.
    expect(iso(windowAt('day', at('2026-11-01T12:00:00Z'), 'America/New_York'))).toEqual(['2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z']);
    // 23:30 UTC on Jan 31 is already February in Tokyo.
    expect(iso(windowAt('month', at('2026-01-31T23:30:00Z'), 'Asia/Tokyo'))).toEqual(['2026-01-31T15:00:00.000Z', '2026-02-28T15:00:00.000Z']);
    expect(iso(windowAt('year', at('2026-06-01T00:00:00Z'), 'America/Los_Angeles'))).toEqual(['2026-01-01T08:00:00.000Z', '2027-01-01T08:00:00.000Z']);
  });

  test('a zone whose midnight is skipped by DST starts that day at its first instant', () => {
    // Santiago, Chile: clocks jump from 00:00 to 01:00 on 2026-09-06.
    const window = windowAt('day', at('2026-09-06T15:00:00Z'), 'America/Santiago');
    expect(iso(window)).toEqual(['2026-09-06T04:00:00.000Z', '2026-09-07T03:00:00.000Z']);
  });
});
