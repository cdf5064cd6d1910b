import { RateLimitsSchema } from '../config/schema-limits';
import { DescriptorTree } from './descriptor-tree';

function tree(raw: Record<string, unknown>): DescriptorTree {
  return new DescriptorTree(RateLimitsSchema.parse(raw));
}

const entries = (...pairs: Array<[string, string]>): Array<{ key: string; value: string }> => pairs.map(([key, value]) => ({ key, value }));

describe('DescriptorTree', () => {
  const limits = tree({
    descriptors: [
      {
        key: 'metric',
        value: 'tokens',
        descriptors: [
          { key: 'team', rate_limit: { unit: 'minute', requests_per_unit: 1000 } },
          { key: 'team', value: 'research', rate_limit: { name: 'research tokens', token_bucket: { capacity: 5000, refill_per_second: 50 } } },
          { key: 'team', value: 'ops', unlimited: true },
          { key: 'project', descriptors: [{ key: 'model', value: 'gpt-4o', rate_limit: { unit: 'day', requests_per_unit: 1_000_000 }, shadow_mode: true }] },
        ],
      },
      { key: 'metric', value: 'requests', descriptors: [{ key: 'caller', rate_limit: { unit: 'SECOND', requests_per_unit: 5 } }] },
    ],
    budgets: [{ per: 'team', usd: 250.5, window: 'month' }],
    timeZone: 'Europe/Berlin',
  });

  test('a key=value node wins over the key default; the default covers every other value', () => {
    expect(limits.match(entries(['metric', 'tokens'], ['team', 'research']))).toEqual({
      metric: 'tokens',
      name: 'research tokens',
      rule: { kind: 'bucket', capacity: 5000, refillPerSecond: 50 },
      amount: 5000,
      unit: undefined,
      shadow: false,
    });
    expect(limits.match(entries(['metric', 'tokens'], ['team', 'search']))).toEqual({
      metric: 'tokens',
      name: 'tokens per minute for team=search',
      rule: { kind: 'window', unit: 'minute', perUnit: 1000, timeZone: 'Europe/Berlin' },
      unit: 'minute',
      amount: 1000,
      shadow: false,
    });
  });

  test('unlimited values, unmatched keys and intermediate nodes have no limit', () => {
    expect(limits.match(entries(['metric', 'tokens'], ['team', 'ops']))).toBeUndefined();
    expect(limits.match(entries(['metric', 'tokens'], ['user', 'alice']))).toBeUndefined();
    expect(limits.match(entries(['metric', 'tokens'], ['project', 'alpha']))).toBeUndefined();
    expect(limits.match(entries(['metric', 'usd'], ['project', 'alpha']))).toBeUndefined();
    expect(limits.match(entries(['team', 'research']))).toBeUndefined();
  });

  test('nested descriptors and shadow mode', () => {
    expect(limits.match(entries(['metric', 'tokens'], ['project', 'alpha'], ['model', 'gpt-4o']))).toMatchObject({
      shadow: true,
      rule: { kind: 'window', unit: 'day', perUnit: 1_000_000 },
    });
    expect(limits.match(entries(['metric', 'tokens'], ['project', 'alpha'], ['model', 'o3']))).toBeUndefined();
  });

  test('budgets are usd limits counted in micro-dollars', () => {
    expect(limits.match(entries(['metric', 'usd'], ['team', 'research']))).toEqual({
      metric: 'usd',
      name: 'USD per month for team=research',
      rule: { kind: 'window', unit: 'month', perUnit: 250_500_000, timeZone: 'Europe/Berlin' },
      unit: 'month',
      amount: 250.5,
      shadow: false,
    });
  });

  test('paths list every descriptor shape that can reach a limit, once', () => {
    expect(limits.paths).toEqual([
      { metric: 'tokens', keys: ['team'] },
      { metric: 'tokens', keys: ['project', 'model'] },
      { metric: 'requests', keys: ['caller'] },
      { metric: 'usd', keys: ['team'] },
    ]);
  });
});

describe('rateLimits schema checks', () => {
  test('every tree problem is reported with its path', () => {
    const result = RateLimitsSchema.safeParse({
      timeZone: 'Mars/Olympus',
      descriptors: [
        { key: 'team', rate_limit: { unit: 'minute', requests_per_unit: 1 } },
        { key: 'metric', value: 'watts' },
        {
          key: 'metric',
          value: 'usd',
          descriptors: [
            { key: 'team', rate_limit: { unit: 'day', requests_per_unit: 5 } },
            { key: 'ip', rate_limit: { unit: 'day', usd_per_unit: 5 } },
          ],
        },
        { key: 'metric', value: 'tokens', descriptors: [{ key: 'team', rate_limit: { unit: 'day', usd_per_unit: 5 } }] },
        { key: 'metric', value: 'tokens', descriptors: [{ key: 'team', rate_limit: { requests_per_unit: 5 } }] },
      ],
    });
    expect(result.success).toBe(false);
    const problems = result.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    expect(problems).toEqual([
      'descriptors.4.descriptors.0.rate_limit: set either unit (a fixed window) or token_bucket',
      'descriptors.0.key: a top-level descriptor must be key "metric" (one of requests, tokens, usd), not "team"',
      'descriptors.1.value: metric must be one of requests, tokens, usd',
      'descriptors.2.descriptors.0.rate_limit.requests_per_unit: a metric usd tree limits dollars: use usd_per_unit',
      'descriptors.2.descriptors.1.key: unknown descriptor key "ip": use caller, user, team, project, model',
      'descriptors.3.descriptors.0.rate_limit.usd_per_unit: usd_per_unit belongs in a metric usd tree; this one counts tokens',
      'timeZone: unknown time zone "Mars/Olympus"',
    ]);
  });
});
