import { EnvoyEnds } from './envoy-ends';
import type { EnvoyEnd } from './envoy-ends';

const end = (fields: Partial<EnvoyEnd> = {}): EnvoyEnd => ({ status: 504, flags: 'SI', details: 'stream_idle_timeout', method: 'POST', path: '/v1/chat/completions', ...fields });

/** An EnvoyEnds whose unclaimed entries (recorded as Envoy's answers) are collected. */
function ends(waitMs = 5_000): { ends: EnvoyEnds; unclaimed: EnvoyEnd[] } {
  const unclaimed: EnvoyEnd[] = [];
  return { ends: new EnvoyEnds((entry) => unclaimed.push(entry), waitMs), unclaimed };
}

describe('EnvoyEnds: one record per request', () => {
  test('a closed processor gets the entry that names its aigw request id, before or after it closes', () => {
    const { ends: tracker, unclaimed } = ends();
    const got: Array<EnvoyEnd | undefined> = [];
    tracker.opened('envoy-1');
    tracker.closed({ envoyRequestId: 'envoy-1', requestId: 'a', recorded: false }, (entry) => got.push(entry));
    tracker.entry(end({ requestId: 'a', envoyRequestId: 'envoy-1' }));
    tracker.opened('envoy-2');
    tracker.entry(end({ requestId: 'b', envoyRequestId: 'envoy-2', status: 503 }));
    tracker.closed({ envoyRequestId: 'envoy-2', requestId: 'b', recorded: false }, (entry) => got.push(entry));
    expect(got.map((entry) => entry?.status)).toEqual([504, 503]);
    expect(unclaimed).toEqual([]);
    expect(tracker.size).toBe(0);
  });

  test('ended during admission (no aigw id in the entry): matched on Envoy’s request id, before or after the close', () => {
    const { ends: tracker, unclaimed } = ends();
    const got: Array<EnvoyEnd | undefined> = [];
    tracker.opened('envoy-1');
    tracker.closed({ envoyRequestId: 'envoy-1', requestId: 'a', recorded: false }, (entry) => got.push(entry));
    tracker.entry(end({ envoyRequestId: 'envoy-1' }));
    tracker.opened('envoy-2');
    tracker.entry(end({ envoyRequestId: 'envoy-2', status: 499 }));
    tracker.closed({ envoyRequestId: 'envoy-2', requestId: 'b', recorded: false }, (entry) => got.push(entry));
    expect(got.map((entry) => entry?.status)).toEqual([504, 499]);
    expect(unclaimed).toEqual([]);
  });

  test('entries no processor claims are Envoy’s own answers: a refusal route, or a processor that never began admitting', () => {
    const { ends: tracker, unclaimed } = ends();
    tracker.entry(end({ status: 401, envoyRequestId: 'refused' }));
    tracker.opened('envoy-1');
    tracker.entry(end({ envoyRequestId: 'envoy-1', status: 504 }));
    expect(unclaimed.map((entry) => entry.status)).toEqual([401]);
    // Closed before aigw had a request (authentication still running): the entry is the record.
    tracker.closed({ envoyRequestId: 'envoy-1', recorded: false });
    tracker.opened('envoy-2');
    tracker.closed({ envoyRequestId: 'envoy-2', recorded: false });
    tracker.entry(end({ envoyRequestId: 'envoy-2', status: 408 }));
    expect(unclaimed.map((entry) => entry.status)).toEqual([401, 504, 408]);
  });

  test('a request aigw recorded itself is not recorded again from a late entry', () => {
    const { ends: tracker, unclaimed } = ends();
    tracker.opened('envoy-1');
    tracker.closed({ envoyRequestId: 'envoy-1', requestId: 'a', recorded: true });
    tracker.entry(end({ envoyRequestId: 'envoy-1' }));
    tracker.entry(end({ requestId: 'a', envoyRequestId: 'envoy-1' }));
    expect(unclaimed).toEqual([]);
  });

  test('what aigw recorded itself is forgotten after a while, entries or not', () => {
    const { ends: tracker, unclaimed } = ends();
    for (let n = 0; n < 3; n++) {
      tracker.opened(`envoy-${n}`);
      tracker.closed({ envoyRequestId: `envoy-${n}`, requestId: `a${n}`, recorded: true }, undefined, n);
    }
    tracker.opened('envoy-late');
    tracker.closed({ envoyRequestId: 'envoy-late', requestId: 'late', recorded: true }, undefined, 10_000);
    tracker.entry(end({ envoyRequestId: 'envoy-0' }), 10_001);
    tracker.entry(end({ envoyRequestId: 'envoy-late' }), 10_002);
    expect(unclaimed.map((entry) => entry.envoyRequestId)).toEqual(['envoy-0']);
  });

  test('an entry held for a processor that never claims it is still recorded once it expires, and at flush', () => {
    const { ends: tracker, unclaimed } = ends();
    tracker.opened('envoy-1');
    tracker.entry(end({ envoyRequestId: 'envoy-1' }), 0);
    tracker.entry(end({ status: 401, envoyRequestId: 'refused' }), 10_000);
    expect(unclaimed.map((entry) => entry.status)).toEqual([504, 401]);
    tracker.opened('envoy-2');
    tracker.entry(end({ envoyRequestId: 'envoy-2', status: 503 }));
    tracker.flush();
    expect(unclaimed.map((entry) => entry.status)).toEqual([504, 401, 503]);
  });

  test('no word from Envoy in time: the processor records what it knows', async () => {
    const { ends: tracker } = ends(20);
    const got = await new Promise<EnvoyEnd | undefined>((resolve) => tracker.closed({ envoyRequestId: 'envoy-1', requestId: 'a', recorded: false }, resolve));
    expect(got).toBeUndefined();
    expect(tracker.size).toBe(0);
  });
});
