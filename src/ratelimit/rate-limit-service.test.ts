import { RateLimitsSchema } from '../config/schema-limits';
import { silentLogger } from '../telemetry/logger';
import { GatewayMetrics } from '../telemetry/metrics';
import { DescriptorTree } from './descriptor-tree';
import type { Decision, LimitCheck, Limiter, RecordState, ReservationId, SettleOutcome, Settlement } from './limiter';
import { LimiterUnavailableError } from './limiter';
import { RateLimitService, counterKey } from './rate-limit-service';
import type { RateLimitRequest } from './rls-proto';
import type { RuntimeRateLimits } from './runtime-limits';

/** A limiter with plain totals (no time) and reservation records: enough to check what the service asks of it. */
class TotalsLimiter implements Limiter {
  readonly used = new Map<string, number>();
  readonly records = new Map<string, RecordState>();
  readonly settlements: Settlement[] = [];
  /** The store does not answer reserves / settlements. */
  down = false;
  settleDown = false;
  /** When set, reserve() waits for it (a slow store). */
  gate: Promise<void> | undefined;

  async reserve(checks: readonly LimitCheck[], _now?: number, reservation?: ReservationId): Promise<Decision> {
    await this.gate;
    if (this.down) throw new LimiterUnavailableError('connection refused');
    const limitOf = (check: LimitCheck): number => (check.rule.kind === 'window' ? check.rule.perUnit : check.rule.capacity);
    const room = checks.map((check) => limitOf(check) - (this.used.get(check.key) ?? 0));
    const allowed = checks.every((check, index) => check.shadow || room[index] >= check.hits);
    if (allowed) for (const check of checks) this.used.set(check.key, (this.used.get(check.key) ?? 0) + check.hits);
    if (allowed && reservation) this.records.set(reservation.id, 'taken');
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

  async settle(settlement: Settlement): Promise<SettleOutcome> {
    if (this.settleDown) throw new LimiterUnavailableError('connection refused');
    this.settlements.push(settlement);
    const state = this.records.get(settlement.reservation.id);
    const taken = state === 'taken';
    if (settlement.mode === 'settle' && !taken) return 'absent';
    if (settlement.mode === 'release' && !state) {
      this.records.set(settlement.reservation.id, 'released');
      return 'tombstone';
    }
    if (settlement.mode === 'release' && !taken) return 'absent';
    if (settlement.mode === 'charge' && state === 'settled') return 'absent';
    if (settlement.mode === 'charge') this.records.set(settlement.reservation.id, 'settled');
    else this.records.delete(settlement.reservation.id);
    for (const item of settlement.counters) this.used.set(item.key, Math.max(0, (this.used.get(item.key) ?? 0) + item.used - (taken ? item.reserved : 0)));
    return 'applied';
  }

  async close(): Promise<void> {}
}

function limits(raw: Record<string, unknown>, failureMode: 'open' | 'closed' = 'open'): RuntimeRateLimits {
  const config = RateLimitsSchema.parse(raw);
  const tree = new DescriptorTree(config);
  return {
    domain: 'aigw',
    store: 'memory',
    failureMode,
    envoyTimeoutMs: 200,
    defaultOutputTokens: 100,
    enforceOutputCap: true,
    inputMargins: new Map(),
    tree,
    paths: tree.paths,
    timeZone: 'UTC',
    metrics: new Set(tree.paths.map((path) => path.metric)),
    formulas: new Map(),
    reservationTtlMs: 60_000,
  };
}

const CONFIG = {
  descriptors: [
    { key: 'metric', value: 'tokens', descriptors: [{ key: 'team', rate_limit: { unit: 'minute', requests_per_unit: 1000 } }, { key: 'project', rate_limit: { unit: 'minute', requests_per_unit: 100_000 }, shadow_mode: true }] },
    { key: 'metric', value: 'requests', descriptors: [{ key: 'team', rate_limit: { unit: 'minute', requests_per_unit: 100 } }] },
  ],
  budgets: [{ per: 'team', value: 'research', usd: 2, window: 'month', name: 'research monthly' }],
};

function descriptor(hits: number | undefined, ...pairs: Array<[string, string]>): RateLimitRequest['descriptors'][number] {
  return { entries: pairs.map(([key, value]) => ({ key, value })), hits_addend: hits === undefined ? null : { value: String(hits) } };
}

const TEAM_TOKENS = counterKey('aigw', [{ key: 'metric', value: 'tokens' }, { key: 'team', value: 'research' }]);
const PROJECT_TOKENS = counterKey('aigw', [{ key: 'metric', value: 'tokens' }, { key: 'project', value: 'alpha' }]);
const TEAM_USD = counterKey('aigw', [{ key: 'metric', value: 'usd' }, { key: 'team', value: 'research' }]);
const TEAM_REQUESTS = counterKey('aigw', [{ key: 'metric', value: 'requests' }, { key: 'team', value: 'research' }]);

describe('RateLimitService', () => {
  let limiter: TotalsLimiter;
  let metrics: GatewayMetrics;
  let service: RateLimitService;

  const make = (failureMode: 'open' | 'closed' = 'open'): RateLimitService => {
    const runtime = limits(CONFIG, failureMode);
    return new RateLimitService(() => runtime, limiter, { logger: silentLogger, metrics });
  };

  beforeEach(() => {
    limiter = new TotalsLimiter();
    metrics = new GatewayMetrics({ defaultMetrics: false });
    service = make();
  });

  afterEach(async () => {
    await service.close();
  });

  /** The admission call Envoy makes for request `id`: each descriptor shape, then the request's own. */
  const admission = (id: string, tokens: number, usd: number, team = 'research'): RateLimitRequest => ({
    domain: 'aigw',
    hits_addend: 0,
    descriptors: [
      descriptor(tokens, ['metric', 'tokens'], ['team', team]),
      descriptor(tokens, ['metric', 'tokens'], ['project', 'alpha']),
      descriptor(usd, ['metric', 'usd'], ['team', team]),
      descriptor(undefined, ['metric', 'tokens'], ['user', 'alice']),
      descriptor(1, ['metric', 'requests'], ['team', team]),
      descriptor(undefined, ['aigw_request', id]),
    ],
  });
  const reserve = (id: string, tokens: number, usd: number, team = 'research', on = service): ReturnType<RateLimitService['decide']> => on.decide(admission(id, tokens, usd, team), 1_700_000_000_000);

  test('admits within every limit, takes the reservation from each counter and holds it under the request id (never counting the id)', async () => {
    const response = await reserve('req-1', 600, 1_500_000);
    expect(response.overall_code).toBe('OK');
    expect(response.statuses).toEqual([
      { code: 'OK', current_limit: { name: 'tokens per minute for team=research', requests_per_unit: 1000, unit: 'MINUTE' }, limit_remaining: 400, duration_until_reset: { seconds: 42 } },
      { code: 'OK', current_limit: { name: 'tokens per minute for project=alpha', requests_per_unit: 100_000, unit: 'MINUTE' }, limit_remaining: 99_400, duration_until_reset: { seconds: 42 } },
      { code: 'OK', current_limit: { name: 'research monthly', requests_per_unit: 2_000_000, unit: 'MONTH' }, limit_remaining: 500_000, duration_until_reset: { seconds: 777_600 } },
      { code: 'OK' },
      { code: 'OK', current_limit: { name: 'requests per minute for team=research', requests_per_unit: 100, unit: 'MINUTE' }, limit_remaining: 99, duration_until_reset: { seconds: 42 } },
      { code: 'OK' },
    ]);
    expect(limiter.used.get(TEAM_TOKENS)).toBe(600);
    expect([...limiter.used.keys()].some((key) => key.includes('aigw_request'))).toBe(false);
    expect(limiter.records.get('req-1')).toBe('taken');
    expect(service.held).toBe(1);
  });

  test('blocks when one limit lacks room, takes nothing, holds nothing, and names the most restrictive limit', async () => {
    await reserve('req-1', 600, 1_500_000);
    const response = await reserve('req-2', 300, 600_000);
    expect(response.overall_code).toBe('OVER_LIMIT');
    expect(response.statuses.map((status) => status.code)).toEqual(['OK', 'OK', 'OVER_LIMIT', 'OK', 'OK', 'OK']);
    expect(response.response_headers_to_add).toEqual([
      { key: 'retry-after', value: '777600' },
      {
        key: 'x-aigw-limit-message',
        value: 'Budget exceeded: research monthly. Limit $2.00, $0.50 left, this request needs up to $0.60; retry in 9 days.',
      },
      { key: 'x-aigw-limit-code', value: 'insufficient_quota' },
    ]);
    expect([...limiter.used.values()]).toEqual([600, 600, 1_500_000, 1]);
    expect(service.held).toBe(1);
    await service.settle('req-2', 'nothing');
    expect(limiter.settlements).toHaveLength(0);
  });

  test('settle charges or refunds the difference on every counter, once; requests are never refunded', async () => {
    await reserve('req-1', 600, 1_500_000);
    await service.settle('req-1', { tokens: 250, usdMicros: 1_900_000, costs: {} });
    expect(limiter.settlements).toHaveLength(1);
    expect(limiter.settlements[0]).toMatchObject({ reservation: { id: 'req-1', ttlMs: 60_000 }, mode: 'settle', reservedAt: 1_700_000_000_000 });
    expect(limiter.settlements[0].counters.map((item) => [item.key, item.reserved, item.used])).toEqual([
      [TEAM_TOKENS, 600, 250],
      [PROJECT_TOKENS, 600, 250],
      [TEAM_USD, 1_500_000, 1_900_000],
      [TEAM_REQUESTS, 1, 1],
    ]);
    expect(Object.fromEntries(limiter.used)).toEqual({ [TEAM_TOKENS]: 250, [PROJECT_TOKENS]: 250, [TEAM_USD]: 1_900_000, [TEAM_REQUESTS]: 1 });
    const text = await metrics.registry.metrics();
    expect(text).toContain('aigw_ratelimit_settled_total{domain="aigw",metric="tokens",kind="refunded"} 700');
    expect(text).toContain('aigw_ratelimit_settled_total{domain="aigw",metric="usd",kind="charged"} 400000');
    // Twice, or an id never reserved: nothing.
    await service.settle('req-1', 'nothing');
    await service.settle('never-seen', 'nothing');
    expect(limiter.settlements).toHaveLength(1);
    expect(service.held).toBe(0);
  });

  test('"reserved" keeps the whole reservation; "nothing" refunds it all', async () => {
    await reserve('kept', 100, 1000);
    await reserve('refunded', 200, 2000);
    await service.settle('kept', 'reserved');
    await service.settle('refunded', 'nothing');
    expect(limiter.used.get(TEAM_TOKENS)).toBe(100);
    expect(limiter.used.get(TEAM_USD)).toBe(1000);
    expect(limiter.used.get(TEAM_REQUESTS)).toBe(2);
  });

  test('a request that ends while its admission is still being decided is settled once the decision is in', async () => {
    let open: () => void = () => undefined;
    limiter.gate = new Promise((resolve) => (open = resolve));
    const decided = reserve('racing', 300, 3000);
    const settled = service.settle('racing', 'nothing');
    open();
    expect((await decided).overall_code).toBe('OK');
    await settled;
    expect(limiter.used.get(TEAM_TOKENS)).toBe(0);
    expect(service.held).toBe(0);
  });

  test('store unavailable, failing open: admitted, the reserve is released, and the end charges what was used', async () => {
    limiter.down = true;
    expect((await reserve('open-1', 600, 1_500_000)).overall_code).toBe('OK');
    await new Promise((resolve) => setImmediate(resolve));
    // The release left a tombstone: the reserve, should it run late, takes nothing.
    expect(limiter.settlements.map((item) => item.mode)).toEqual(['release']);
    expect(limiter.records.get('open-1')).toBe('released');
    limiter.down = false;
    await service.settle('open-1', { tokens: 40, usdMicros: 900, costs: {} });
    expect(limiter.settlements.map((item) => item.mode)).toEqual(['release', 'charge']);
    expect(Object.fromEntries(limiter.used)).toEqual({ [TEAM_TOKENS]: 40, [PROJECT_TOKENS]: 40, [TEAM_USD]: 900, [TEAM_REQUESTS]: 1 });
    const text = await metrics.registry.metrics();
    expect(text).toContain('aigw_ratelimit_decisions_total{domain="aigw",metric="tokens",result="failed_open"} 2');
    expect(text).toContain('aigw_ratelimit_retries_total{operation="release",result="succeeded"} 1');
  });

  test('store unavailable, failing closed: 429, the reserve is released, and nothing is held', async () => {
    const closed = make('closed');
    limiter.down = true;
    const response = await reserve('closed-1', 1, 1, 'x', closed);
    expect(response.overall_code).toBe('OVER_LIMIT');
    expect(response.response_headers_to_add[1].value).toBe('Rate limits cannot be checked right now and this gateway fails closed; retry shortly.');
    expect(closed.held).toBe(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(limiter.settlements.map((item) => item.mode)).toEqual(['release']);
    expect(await metrics.registry.metrics()).toContain('aigw_ratelimit_decisions_total{domain="aigw",metric="tokens",result="failed_closed"} 2');
    await closed.close();
  });

  test('Envoy stopped waiting for the answer: failing closed, the reservation is released at once', async () => {
    const closed = make('closed');
    const response = await closed.decide(admission('gone', 600, 1000), 1_700_000_000_000, () => true);
    expect(response.overall_code).toBe('OK');
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed.held).toBe(0);
    expect(limiter.used.get(TEAM_TOKENS)).toBe(0);
    await closed.close();
  });

  test('a settlement the store does not answer is sent again until it is, and applies once', async () => {
    await reserve('slow', 600, 1000);
    limiter.settleDown = true;
    await service.settle('slow', { tokens: 100, usdMicros: 100, costs: {} });
    expect(limiter.used.get(TEAM_TOKENS)).toBe(600);
    limiter.settleDown = false;
    const deadline = Date.now() + 2000;
    while (limiter.used.get(TEAM_TOKENS) === 600 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(limiter.used.get(TEAM_TOKENS)).toBe(100);
    const text = await metrics.registry.metrics();
    expect(text).toContain('aigw_ratelimit_retries_total{operation="settle",result="succeeded"} 1');
    expect(text).toContain('aigw_ratelimit_settled_total{domain="aigw",metric="tokens",kind="refunded"} 1000');
  });

  test('shadow limits count but never block', async () => {
    const runtime = limits({ descriptors: [{ key: 'metric', value: 'tokens', descriptors: [{ key: 'team', rate_limit: { unit: 'minute', requests_per_unit: 10 }, shadow_mode: true }] }] });
    const shadowed = new RateLimitService(() => runtime, limiter, { logger: silentLogger, metrics });
    const response = await shadowed.decide({ domain: 'aigw', hits_addend: 0, descriptors: [descriptor(50, ['metric', 'tokens'], ['team', 'x'])] });
    expect(response.overall_code).toBe('OK');
    expect(response.statuses[0].code).toBe('OK');
    expect(await metrics.registry.metrics()).toContain('aigw_ratelimit_decisions_total{domain="aigw",metric="tokens",result="shadow_over_limit"} 1');
  });

  test('another domain, or no limits configured, is always OK', async () => {
    expect((await service.decide({ domain: 'other', hits_addend: 0, descriptors: [descriptor(1e9, ['metric', 'tokens'], ['team', 'research'])] })).overall_code).toBe('OK');
    const none = new RateLimitService(() => undefined, limiter, { logger: silentLogger, metrics });
    expect((await none.decide({ domain: 'aigw', hits_addend: 0, descriptors: [descriptor(1e9, ['metric', 'tokens'], ['team', 'research'])] })).statuses).toEqual([{ code: 'OK' }]);
    expect(limiter.used.size).toBe(0);
  });
});
