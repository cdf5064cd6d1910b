import { validateConfig } from '../config/load';
import { rateLimitFilter } from '../config/render-envoy-ratelimit';
import { compileConfig } from '../config/runtime';
import { RateLimitsSchema } from '../config/schema-limits';
import { DescriptorTree } from '../ratelimit/descriptor-tree';
import type { Decision, LimitCheck, Limiter, SettleOutcome, Settlement } from '../ratelimit/limiter';
import { RateLimitService } from '../ratelimit/rate-limit-service';
import type { RuntimeRateLimits } from '../ratelimit/runtime-limits';
import { silentLogger } from '../telemetry/logger';
import { GatewayMetrics } from '../telemetry/metrics';
import { MemoryAdminStore } from './admin-store';
import { runtimeLimits } from './limit-overrides';

const KEY = { id: 'key_1', name: 'svc', team: 'research', project: 'alpha', hash: 'b'.repeat(64), createdAt: '2026-06-01T00:00:00.000Z' };

/** Plain totals per counter key (no time). */
class TotalsLimiter implements Limiter {
  readonly used = new Map<string, number>();
  async reserve(checks: readonly LimitCheck[]): Promise<Decision> {
    const limitOf = (check: LimitCheck): number => (check.rule.kind === 'window' ? check.rule.perUnit : check.rule.capacity);
    const room = checks.map((check) => limitOf(check) - (this.used.get(check.key) ?? 0));
    const allowed = checks.every((check, index) => room[index] >= check.hits);
    if (allowed) for (const check of checks) this.used.set(check.key, (this.used.get(check.key) ?? 0) + check.hits);
    return { allowed, statuses: checks.map((check, index) => ({ overLimit: room[index] < check.hits, limit: limitOf(check), remaining: Math.max(0, room[index] - (allowed ? check.hits : 0)), resetSeconds: 30 })) };
  }
  /** Every reservation counts as taken (these tests settle each once). */
  async settle(settlement: Settlement): Promise<SettleOutcome> {
    for (const item of settlement.counters) this.used.set(item.key, Math.max(0, (this.used.get(item.key) ?? 0) + item.used - item.reserved));
    return 'applied';
  }
  async close(): Promise<void> {}
}

describe('runtime limit overrides', () => {
  test('each Limits field becomes a window of its metric; usd in micro-dollars; revoked keys have none', async () => {
    const store = new MemoryAdminStore();
    await store.put('keys', KEY.id, KEY);
    await store.put('key-limits', KEY.id, { requestsPerMinute: 3, tokensPerMinute: 1000, tokensPerDay: 50_000, usdPerMonth: 2.5 });
    const entries = (metric: string, key: string, value: string): Array<{ key: string; value: string }> => [
      { key: 'metric', value: metric },
      { key, value },
    ];
    const tokens = runtimeLimits(store.current(), entries('tokens', 'caller', 'svc'), 'UTC');
    expect(tokens?.map((match) => [match.limit.name, match.limit.rule, match.counterSuffix])).toEqual([
      ['tokens per minute for caller=svc (admin)', { kind: 'window', unit: 'minute', perUnit: 1000, timeZone: 'UTC' }, '|admin=minute'],
      ['tokens per day for caller=svc (admin)', { kind: 'window', unit: 'day', perUnit: 50_000, timeZone: 'UTC' }, '|admin=day'],
    ]);
    expect(runtimeLimits(store.current(), entries('usd', 'caller', 'svc'), 'UTC')?.map((match) => match.limit.rule)).toEqual([{ kind: 'window', unit: 'month', perUnit: 2_500_000, timeZone: 'UTC' }]);
    expect(runtimeLimits(store.current(), entries('tokens', 'team', 'research'), 'UTC')).toBeUndefined();
    expect(runtimeLimits(store.current(), entries('tokens', 'project', 'alpha'), 'UTC')).toBeUndefined();
    await store.put('keys', KEY.id, { ...KEY, revokedAt: '2026-06-02T00:00:00.000Z' });
    expect(runtimeLimits(store.current(), entries('tokens', 'caller', 'svc'), 'UTC')).toBeUndefined();
  });

  test('the rate-limit service enforces them, replacing the config tree for that descriptor, and settles them', async () => {
    const config = RateLimitsSchema.parse({ descriptors: [{ key: 'metric', value: 'requests', descriptors: [{ key: 'team', rate_limit: { unit: 'minute', requests_per_unit: 1 } }] }] });
    const tree = new DescriptorTree(config);
    const limits: RuntimeRateLimits = { domain: 'aigw', store: 'memory', failureMode: 'open', envoyTimeoutMs: 200, defaultOutputTokens: 100, enforceOutputCap: true, inputMargins: new Map(), tree, paths: tree.paths, timeZone: 'UTC', metrics: new Set(['requests', 'tokens']), formulas: new Map(), reservationTtlMs: 60_000 };
    const store = new MemoryAdminStore();
    const limiter = new TotalsLimiter();
    const service = new RateLimitService(() => limits, limiter, { logger: silentLogger, metrics: new GatewayMetrics({ defaultMetrics: false }) }, store);
    let requests = 0;
    const ask = (metric: string, key: string, value: string, hits = 1, id = `request-${++requests}`) =>
      service.decide({
        domain: 'aigw',
        hits_addend: 0,
        descriptors: [
          { entries: [{ key: 'metric', value: metric }, { key, value }], hits_addend: { value: String(hits) } },
          { entries: [{ key: 'aigw_request', value: id }], hits_addend: null },
        ],
      });

    // The config allows research 1 request per minute; the admin API raises it to 2.
    expect((await ask('requests', 'team', 'research')).overall_code).toBe('OK');
    expect((await ask('requests', 'team', 'research')).overall_code).toBe('OVER_LIMIT');
    await store.put('team-limits', 'research', { requestsPerMinute: 2 });
    expect((await ask('requests', 'team', 'research')).overall_code).toBe('OK');
    expect((await ask('requests', 'team', 'research')).overall_code).toBe('OK');
    const third = await ask('requests', 'team', 'research');
    expect(third.overall_code).toBe('OVER_LIMIT');
    expect(third.statuses[0]).toEqual({ code: 'OVER_LIMIT', current_limit: { name: 'requests per minute for team=research (admin)', requests_per_unit: 2, unit: 'MINUTE' }, limit_remaining: 0, duration_until_reset: { seconds: 30 } });

    // Two windows on one descriptor: the tighter one blocks; settlement adjusts both.
    await store.put('keys', KEY.id, KEY);
    await store.put('key-limits', KEY.id, { tokensPerMinute: 100, tokensPerDay: 1000 });
    const admitted = await ask('tokens', 'caller', 'svc', 80, 'admitted');
    expect(admitted.overall_code).toBe('OK');
    expect((await ask('tokens', 'caller', 'svc', 30)).statuses[0]).toMatchObject({ code: 'OVER_LIMIT', current_limit: { name: 'tokens per minute for caller=svc (admin)' } });
    await service.settle('admitted', { tokens: 20, usdMicros: 0, costs: {} });
    expect([limiter.used.get('aigw|metric=tokens|caller=svc|admin=minute'), limiter.used.get('aigw|metric=tokens|caller=svc|admin=day')]).toEqual([20, 20]);
  });
});

describe('descriptors Envoy sends for runtime limits', () => {
  const base = {
    backends: [{ name: 'b', kind: 'openai', baseUrl: 'http://127.0.0.1:1/v1' }],
    models: [{ name: 'm', backends: [{ backend: 'b' }] }],
    rateLimits: { descriptors: [{ key: 'metric', value: 'tokens', descriptors: [{ key: 'team', rate_limit: { unit: 'minute', requests_per_unit: 5 } }] }] },
  };
  const shapes = (raw: Record<string, unknown>): string[] => {
    const filter = rateLimitFilter(compileConfig(validateConfig(raw), { T: 't' })) as { typed_config: { rate_limits: Array<{ actions: Array<Record<string, { descriptor_key?: string; descriptor_value?: string }>> }> } } | undefined;
    return (filter?.typed_config.rate_limits ?? [])
      .filter((limit) => limit.actions[0].metadata?.descriptor_key !== 'aigw_request')
      .map((limit) => limit.actions.map((action) => action.generic_key?.descriptor_value ?? action.metadata?.descriptor_key).join('|'));
  };

  test('with the admin API on: per caller and per team for every metric, without repeating the tree', () => {
    expect(shapes(base)).toEqual(['tokens|team']);
    expect(shapes({ ...base, admin: { token: { env: 'T' } } })).toEqual(['tokens|team', 'requests|caller', 'requests|team', 'tokens|caller', 'usd|caller', 'usd|team']);
    // Without rateLimits there is no ratelimit filter: runtime limits are stored, not enforced.
    expect(rateLimitFilter(compileConfig(validateConfig({ ...base, rateLimits: undefined, admin: { token: { env: 'T' } } }), { T: 't' }))).toBeUndefined();
  });
});
