import { RateLimitsSchema } from '../config/schema-limits';
import { silentLogger } from '../telemetry/logger';
import { GatewayMetrics } from '../telemetry/metrics';
import { DescriptorTree } from './descriptor-tree';
import type { Adjustment, Decision, LimitCheck, Limiter } from './limiter';
import { LimiterUnavailableError } from './limiter';
import { RateLimitService, counterKey } from './rate-limit-service';
import type { RateLimitRequest } from './rls-proto';
import type { RuntimeRateLimits } from './runtime-limits';

/** A limiter with plain totals (no time): enough to check what the service asks of it. */
class TotalsLimiter implements Limiter {
  readonly used = new Map<string, number>();
  readonly adjustments: Adjustment[] = [];
  down = false;

  async reserve(checks: readonly LimitCheck[]): Promise<Decision> {
    if (this.down) throw new LimiterUnavailableError('connection refused');
    const limitOf = (check: LimitCheck): number => (check.rule.kind === 'window' ? check.rule.perUnit : check.rule.capacity);
    const room = checks.map((check) => limitOf(check) - (this.used.get(check.key) ?? 0));
    const allowed = checks.every((check, index) => check.shadow || room[index] >= check.hits);
    if (allowed) for (const check of checks) this.used.set(check.key, (this.used.get(check.key) ?? 0) + check.hits);
    return {
      allowed,
      statuses: checks.map((check, index) => ({
        overLimit: room[index] < check.hits,
        limit: limitOf(check),
        remaining: Math.max(0, allowed ? room[index] - check.hits : room[index]),
        resetSeconds: check.rule.kind === 'window' && check.rule.unit === 'month' ? 86_400 * 9 : 42,
      })),
    };
  }

  async adjust(adjustments: readonly Adjustment[]): Promise<void> {
    if (this.down) throw new LimiterUnavailableError('connection refused');
    this.adjustments.push(...adjustments);
    for (const item of adjustments) this.used.set(item.key, Math.max(0, (this.used.get(item.key) ?? 0) + item.delta));
  }

  async close(): Promise<void> {}
}

function limits(raw: Record<string, unknown>, failureMode: 'open' | 'closed' = 'open'): RuntimeRateLimits {
  const config = RateLimitsSchema.parse(raw);
  const tree = new DescriptorTree(config);
  return { domain: 'aigw', store: 'memory', failureMode, envoyTimeoutMs: 200, defaultOutputTokens: 100, tree, paths: tree.paths, timeZone: 'UTC', metrics: new Set(tree.paths.map((path) => path.metric)), formulas: new Map() };
}

const CONFIG = {
  descriptors: [{ key: 'metric', value: 'tokens', descriptors: [{ key: 'team', rate_limit: { unit: 'minute', requests_per_unit: 1000 } }, { key: 'project', rate_limit: { unit: 'minute', requests_per_unit: 100_000 }, shadow_mode: true }] }],
  budgets: [{ per: 'team', value: 'research', usd: 2, window: 'month', name: 'research monthly' }],
};

function descriptor(hits: number | undefined, ...pairs: Array<[string, string]>): RateLimitRequest['descriptors'][number] {
  return { entries: pairs.map(([key, value]) => ({ key, value })), hits_addend: hits === undefined ? null : { value: String(hits) } };
}

describe('RateLimitService', () => {
  let limiter: TotalsLimiter;
  let metrics: GatewayMetrics;
  let service: RateLimitService;

  beforeEach(() => {
    limiter = new TotalsLimiter();
    metrics = new GatewayMetrics({ defaultMetrics: false });
    const runtime = limits(CONFIG);
    service = new RateLimitService(() => runtime, limiter, { logger: silentLogger, metrics });
  });

  const reserve = (tokens: number, usd: number, team = 'research'): Promise<Awaited<ReturnType<RateLimitService['decide']>>> =>
    service.decide(
      {
        domain: 'aigw',
        hits_addend: 0,
        descriptors: [
          descriptor(tokens, ['metric', 'tokens'], ['team', team]),
          descriptor(tokens, ['metric', 'tokens'], ['project', 'alpha']),
          descriptor(usd, ['metric', 'usd'], ['team', team]),
          descriptor(undefined, ['metric', 'tokens'], ['user', 'alice']),
        ],
      },
      1_700_000_000_000,
    );

  test('admits within every limit, takes the reservation from each counter and returns its record', async () => {
    const response = await reserve(600, 1_500_000);
    expect(response.overall_code).toBe('OK');
    expect(response.statuses).toEqual([
      { code: 'OK', current_limit: { name: 'tokens per minute for team=research', requests_per_unit: 1000, unit: 'MINUTE' }, limit_remaining: 400, duration_until_reset: { seconds: 42 } },
      { code: 'OK', current_limit: { name: 'tokens per minute for project=alpha', requests_per_unit: 100_000, unit: 'MINUTE' }, limit_remaining: 99_400, duration_until_reset: { seconds: 42 } },
      { code: 'OK', current_limit: { name: 'research monthly', requests_per_unit: 2_000_000, unit: 'MONTH' }, limit_remaining: 500_000, duration_until_reset: { seconds: 777_600 } },
      { code: 'OK' },
    ]);
    expect(response.dynamic_metadata).toEqual({ fields: { aigw_reservation: { stringValue: 'tokens=600;usd=1500000;at=1700000000000' } } });
    expect(limiter.used.get(counterKey('aigw', [{ key: 'metric', value: 'tokens' }, { key: 'team', value: 'research' }]))).toBe(600);
  });

  test('blocks when one limit lacks room, takes nothing, and names the most restrictive limit', async () => {
    await reserve(600, 1_500_000);
    const response = await reserve(300, 600_000);
    expect(response.overall_code).toBe('OVER_LIMIT');
    expect(response.statuses.map((status) => status.code)).toEqual(['OK', 'OK', 'OVER_LIMIT', 'OK']);
    expect(response.response_headers_to_add).toEqual([
      { key: 'retry-after', value: '777600' },
      {
        key: 'x-aigw-limit-message',
        value: 'Budget exceeded: research monthly. Limit $2.00, $0.50 left, this request needs up to $0.60; retry in 9 days.',
      },
      { key: 'x-aigw-limit-code', value: 'insufficient_quota' },
    ]);
    expect(response.dynamic_metadata).toBeUndefined();
    expect([...limiter.used.values()]).toEqual([600, 600, 1_500_000]);
  });

  test('settlement charges or refunds the difference to the counters named, never blocking', async () => {
    await reserve(600, 1_500_000);
    const record = 'tokens=600;usd=1500000;at=1700000000000';
    const response = await service.decide({
      domain: 'aigw',
      hits_addend: 0,
      descriptors: [
        descriptor(250, ['metric', 'tokens'], ['team', 'research'], ['settle', record]),
        descriptor(250, ['metric', 'tokens'], ['project', 'alpha'], ['settle', record]),
        descriptor(1_900_000, ['metric', 'usd'], ['team', 'research'], ['settle', record]),
        descriptor(5, ['metric', 'tokens'], ['team', 'research'], ['settle', 'garbage']),
      ],
    });
    expect(response.overall_code).toBe('OK');
    expect(limiter.adjustments.map((item) => [item.key, item.delta, item.reservedAt])).toEqual([
      ['aigw|metric=tokens|team=research', -350, 1_700_000_000_000],
      ['aigw|metric=tokens|project=alpha', -350, 1_700_000_000_000],
      ['aigw|metric=usd|team=research', 400_000, 1_700_000_000_000],
    ]);
    expect([...limiter.used.values()]).toEqual([250, 250, 1_900_000]);
    const text = await metrics.registry.metrics();
    expect(text).toContain('aigw_ratelimit_settled_total{domain="aigw",metric="tokens",kind="refunded"} 700');
    expect(text).toContain('aigw_ratelimit_settled_total{domain="aigw",metric="usd",kind="charged"} 400000');
  });

  test('shadow limits count but never block', async () => {
    const runtime = limits({ descriptors: [{ key: 'metric', value: 'tokens', descriptors: [{ key: 'team', rate_limit: { unit: 'minute', requests_per_unit: 10 }, shadow_mode: true }] }] });
    const shadowed = new RateLimitService(() => runtime, limiter, { logger: silentLogger, metrics });
    const response = await shadowed.decide({ domain: 'aigw', hits_addend: 0, descriptors: [descriptor(50, ['metric', 'tokens'], ['team', 'x'])] });
    expect(response.overall_code).toBe('OK');
    expect(response.statuses[0].code).toBe('OK');
    expect(await metrics.registry.metrics()).toContain('aigw_ratelimit_decisions_total{domain="aigw",metric="tokens",result="shadow_over_limit"} 1');
  });

  test('a store outage fails open or closed as configured, and is counted', async () => {
    limiter.down = true;
    expect((await reserve(1, 1)).overall_code).toBe('OK');
    const closed = new RateLimitService(() => limits(CONFIG, 'closed'), limiter, { logger: silentLogger, metrics });
    const response = await closed.decide({ domain: 'aigw', hits_addend: 0, descriptors: [descriptor(1, ['metric', 'tokens'], ['team', 'x'])] });
    expect(response.overall_code).toBe('OVER_LIMIT');
    expect(response.response_headers_to_add[1].value).toBe('Rate limits cannot be checked right now and this gateway fails closed; retry shortly.');
    const text = await metrics.registry.metrics();
    expect(text).toContain('aigw_ratelimit_decisions_total{domain="aigw",metric="tokens",result="failed_open"} 2');
    expect(text).toContain('aigw_ratelimit_decisions_total{domain="aigw",metric="tokens",result="failed_closed"} 1');
  });

  test('another domain, or no limits configured, is always OK', async () => {
    expect((await service.decide({ domain: 'other', hits_addend: 0, descriptors: [descriptor(1e9, ['metric', 'tokens'], ['team', 'research'])] })).overall_code).toBe('OK');
    const none = new RateLimitService(() => undefined, limiter, { logger: silentLogger, metrics });
    expect((await none.decide({ domain: 'aigw', hits_addend: 0, descriptors: [descriptor(1e9, ['metric', 'tokens'], ['team', 'research'])] })).statuses).toEqual([{ code: 'OK' }]);
    expect(limiter.used.size).toBe(0);
  });
});
