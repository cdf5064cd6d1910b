import { Secret } from '../config/secret';
import { CachedTokenSource, tokenUnavailable } from './token-source';
import type { AccessToken } from './token-source';

function source(tokens: Array<AccessToken | Error>, clock: { now: number }) {
  let calls = 0;
  const cached = new CachedTokenSource(
    'test source',
    async () => {
      const next = tokens[Math.min(calls, tokens.length - 1)];
      calls += 1;
      await new Promise((resolve) => setImmediate(resolve));
      if (next instanceof Error) throw next;
      return next;
    },
    { refreshBeforeMs: 1000, now: () => clock.now },
  );
  return { cached, calls: () => calls };
}

const token = (value: string, expiresAt: number): AccessToken => ({ token: new Secret(value), expiresAt });

describe('CachedTokenSource', () => {
  test('fetches once and reuses the token until shortly before it expires', async () => {
    const clock = { now: 0 };
    const { cached, calls } = source([token('one', 10_000), token('two', 20_000)], clock);
    expect((await cached.token()).reveal()).toBe('one');
    clock.now = 8_999;
    expect((await cached.token()).reveal()).toBe('one');
    expect(calls()).toBe(1);
    clock.now = 9_000;
    expect((await cached.token()).reveal()).toBe('two');
    expect(calls()).toBe(2);
  });

  test('concurrent callers share one fetch', async () => {
    const clock = { now: 0 };
    const { cached, calls } = source([token('one', 10_000)], clock);
    const values = await Promise.all(Array.from({ length: 50 }, () => cached.token()));
    expect(new Set(values.map((value) => value.reveal()))).toEqual(new Set(['one']));
    expect(calls()).toBe(1);
  });

  test('a failed refresh falls back to the still-valid token, then fails once it has expired', async () => {
    const clock = { now: 0 };
    const { cached, calls } = source([token('one', 10_000), new Error('token endpoint down')], clock);
    await cached.token();
    clock.now = 9_500;
    expect((await cached.token()).reveal()).toBe('one');
    clock.now = 10_000;
    await expect(cached.token()).rejects.toThrow('token endpoint down');
    expect(calls()).toBe(3);
  });

  test('a failure is not cached: the next call tries again', async () => {
    const clock = { now: 0 };
    const { cached } = source([new Error('down'), token('later', 10_000)], clock);
    await expect(cached.token()).rejects.toThrow('down');
    expect((await cached.token()).reveal()).toBe('later');
  });

  test('tokenUnavailable is a retriable 503 naming the source', () => {
    const error = tokenUnavailable('vertex-east', { description: 'service account a@b.iam', token: () => Promise.reject(new Error()) }, 'HTTP 401');
    expect(error.status).toBe(503);
    expect(error.code).toBe('backend_credential_unavailable');
    expect(error.message).toBe('Backend "vertex-east" could not get an access token from service account a@b.iam: HTTP 401.');
  });
});
