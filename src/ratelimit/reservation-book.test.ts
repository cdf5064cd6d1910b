import type { HeldReservation } from './reservation-book';
import { ReservationBook } from './reservation-book';

const held = (reservedAt: number): HeldReservation => ({ domain: 'aigw', counters: [], reservedAt, ttlMs: 1000, confirmed: true });

describe('ReservationBook', () => {
  test('a reservation is taken once; an id keeps its first reservation', () => {
    const book = new ReservationBook();
    book.hold('a', held(1), 0);
    book.hold('a', held(2), 0);
    expect(book.take('a')?.reservedAt).toBe(1);
    expect(book.take('a')).toBeUndefined();
  });

  test('decided() waits for a decision in flight, and not for one that is done', async () => {
    const book = new ReservationBook();
    let finish: () => void = () => undefined;
    const order: string[] = [];
    void book.deciding('a', new Promise<void>((resolve) => (finish = resolve)).then(() => order.push('decided')));
    const waiting = book.decided('a').then(() => order.push('settled'));
    finish();
    await waiting;
    expect(order).toEqual(['decided', 'settled']);
    await book.decided('a');
    await book.decided('never');
  });

  test('reservations older than their record are forgotten', () => {
    const book = new ReservationBook();
    book.hold('old', held(0), 0);
    book.hold('new', held(1500), 1500);
    expect(book.size).toBe(1);
    expect(book.take('old')).toBeUndefined();
  });
});
