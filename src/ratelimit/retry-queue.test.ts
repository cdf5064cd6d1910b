import type { RetryResult } from './retry-queue';
import { RetryQueue } from './retry-queue';

function queue(capacity = 10): { queue: RetryQueue; results: RetryResult[] } {
  const results: RetryResult[] = [];
  return { queue: new RetryQueue({ capacity, firstDelayMs: 5, maxDelayMs: 20, counted: (_operation, result) => results.push(result) }), results };
}

const until = async (check: () => boolean): Promise<void> => {
  const deadline = Date.now() + 2000;
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
};

describe('RetryQueue', () => {
  test('runs a command at once, then again with backoff until it is answered', async () => {
    const { queue: retries, results } = queue();
    let attempts = 0;
    retries.add({ operation: 'release', deadline: Date.now() + 5000, run: async () => (++attempts < 3 ? Promise.reject(new Error('down')) : undefined) });
    expect(attempts).toBe(1);
    await until(() => results.includes('succeeded'));
    expect(attempts).toBe(3);
    expect(results).toEqual(['queued', 'retried', 'retried', 'succeeded']);
    expect(retries.size).toBe(0);
  });

  test('gives up at the deadline, and when full or closed', async () => {
    const { queue: retries, results } = queue(1);
    const given: string[] = [];
    retries.add({ operation: 'settle', deadline: Date.now() + 30, run: () => Promise.reject(new Error('down')), onGiveUp: () => given.push('deadline') });
    retries.add({ operation: 'settle', deadline: Date.now() + 5000, run: async () => undefined, onGiveUp: () => given.push('full') });
    await until(() => given.includes('deadline'));
    expect(given).toEqual(['full', 'deadline']);
    expect(results[0]).toBe('queued');
    expect(results).toContain('dropped');
    expect(results[results.length - 1]).toBe('expired');

    retries.add({ operation: 'release', deadline: Date.now() + 5000, run: async () => undefined }, 1000);
    retries.close();
    expect(retries.size).toBe(0);
    expect(results[results.length - 1]).toBe('dropped');
  });
});
