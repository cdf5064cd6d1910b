/**
 * Rate-limit benchmark: what Envoy's ratelimit filter + aigw's rate-limit service (Redis
 * store) add per request through Envoy, and how many decisions per second the service makes
 * on its own. Not part of `npm test`.
 *
 *   npm run bench:ratelimit -- [--rate 500] [--duration 10] [--quick]
 *
 * Through Envoy: the same load (unloaded sequence, then an open loop at --rate) against
 * Envoy + aigw without limits and Envoy + aigw with a token quota and a dollar budget in
 * Redis, each compared with Envoy alone in the same phase. Alone: RateLimitService.decide()
 * in this process with 64 decisions in flight, against Redis and the memory store.
 */
import { performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import { writeFileSync, mkdirSync } from 'node:fs';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { RateLimitsSchema } from '../src/config/schema-limits';
import { DescriptorTree } from '../src/ratelimit/descriptor-tree';
import type { Limiter } from '../src/ratelimit/limiter';
import { MemoryLimiter } from '../src/ratelimit/memory-limiter';
import { RateLimitService } from '../src/ratelimit/rate-limit-service';
import { RedisLimiter } from '../src/ratelimit/redis-limiter';
import type { RuntimeRateLimits } from '../src/ratelimit/runtime-limits';
import { RedisServer } from '../src/testing/redis-server';
import { silentLogger } from '../src/telemetry/logger';
import { GatewayMetrics } from '../src/telemetry/metrics';
import { UsageError } from './args';
import { CpuMeter, openLoopPhase, unloadedPhase } from './phases';
import type { PhaseParameters } from './phases';
import { cleanupSync, installCleanup, makeTempDir } from './processes';
import { fmt, table } from './report';
import { startTargets, stopTargets } from './setup';
import { round, roundSummary, summarize } from './stats';
import type { Summary } from './stats';

const USAGE = 'usage: npm run bench:ratelimit -- [--rate 500] [--duration 10] [--quick]';

interface Args {
  rate: number;
  duration: number;
  quick: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const value = (name: string, fallback: number): number => {
    const index = argv.indexOf(name);
    if (index === -1) return fallback;
    const number = Number(argv[index + 1]);
    if (!Number.isFinite(number) || number <= 0) throw new UsageError(`${name} needs a positive number`);
    return number;
  };
  for (const [index, arg] of argv.entries()) {
    if (arg.startsWith('--') && !['--rate', '--duration', '--quick'].includes(arg)) throw new UsageError(`unknown option ${arg}`);
    if (!arg.startsWith('--') && !['--rate', '--duration'].includes(argv[index - 1] ?? '')) throw new UsageError(`unexpected argument ${arg}`);
  }
  const quick = argv.includes('--quick');
  return { rate: value('--rate', 500), duration: value('--duration', quick ? 3 : 10), quick };
}

/** Limits every request meets but none reaches: the cost measured is the checking, not refusals. */
function limitsSection(redisUrl: string): Record<string, unknown> {
  return {
    prices: [{ model: 'bench', input: 1, output: 1 }],
    rateLimits: {
      store: { redis: { url: redisUrl, timeoutMs: 100 } },
      descriptors: [{ key: 'metric', value: 'tokens', descriptors: [{ key: 'team', rate_limit: { unit: 'minute', requests_per_unit: 4_000_000_000 } }] }],
      budgets: [{ per: 'project', usd: 1_000_000, window: 'month' }],
    },
  };
}

function parameters(args: Args, dir: string): PhaseParameters {
  return {
    rate: args.rate,
    durationSeconds: args.duration,
    openLoopWarmupSeconds: args.quick ? 0.5 : 2,
    maxSockets: 512,
    unloadedWarmup: args.quick ? 100 : 300,
    unloadedCount: args.quick ? 400 : 2000,
    block: 100,
    streamingWarmup: 0,
    streamingCount: 0,
    connections: 64,
    throughputSeconds: 0,
    throughputWarmupSeconds: 0,
    dir,
  };
}

interface ThroughEnvoy {
  unloadedAdded: { p50: number; p99: number };
  openLoopAdded: { p50: number; p99: number };
  openLoopErrors: number;
  aigwCpuMsPerRequest: number;
}

async function throughEnvoy(providerPort: number, args: Args, extra: Record<string, unknown>): Promise<ThroughEnvoy> {
  const dir = makeTempDir('aigw-bench-rl-');
  const targets = await startTargets(providerPort, dir, extra);
  try {
    const p = parameters(args, dir);
    const meter = new CpuMeter(targets);
    const unloaded = await unloadedPhase(meter, targets, p);
    const openLoop = await openLoopPhase(meter, targets, p);
    const cpu = meter.phases.find((phase) => phase.phase === 'open loop aigw');
    return {
      unloadedAdded: { p50: unloaded.added.p50, p99: unloaded.added.p99 },
      openLoopAdded: { p50: openLoop.added.p50, p99: openLoop.added.p99 },
      openLoopErrors: openLoop.aigw.errors,
      aigwCpuMsPerRequest: cpu ? round(cpu.aigwCpuSecondsPer1000, 3) : Number.NaN,
    };
  } finally {
    await stopTargets(targets);
  }
}

interface Alone {
  store: string;
  decisionsPerSecond: number;
  latencyMs: Summary;
  cpuMsPerDecision: number;
}

/** decide() with `inFlight` decisions outstanding: two descriptors (a token quota and a budget) per decision. */
async function alone(store: string, limiter: Limiter, count: number, inFlight: number): Promise<Alone> {
  const config = RateLimitsSchema.parse(limitsSection('redis://unused').rateLimits);
  const tree = new DescriptorTree(config);
  const limits: RuntimeRateLimits = { domain: 'aigw', store: 'memory', failureMode: 'open', envoyTimeoutMs: 200, defaultOutputTokens: 4096, enforceOutputCap: true, inputMargins: new Map(), tree, paths: tree.paths, timeZone: 'UTC', metrics: new Set(['tokens', 'usd']), formulas: new Map(), reservationTtlMs: 720_000 };
  const service = new RateLimitService(() => limits, limiter, { logger: silentLogger, metrics: new GatewayMetrics({ defaultMetrics: false }) });
  const request = (index: number) => ({
    domain: 'aigw',
    hits_addend: 0,
    descriptors: [
      { entries: [{ key: 'metric', value: 'tokens' }, { key: 'team', value: `team-${index % 50}` }], hits_addend: { value: '1200' } },
      { entries: [{ key: 'metric', value: 'usd' }, { key: 'project', value: `project-${index % 200}` }], hits_addend: { value: '5400' } },
    ],
  });
  for (let index = 0; index < 500; index += 1) await service.decide(request(index)); // warm-up
  const latencies: number[] = [];
  let next = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      const begin = performance.now();
      const response = await service.decide(request(index));
      if (response.overall_code !== 'OK') throw new Error(`decision ${index} was ${response.overall_code}`);
      latencies.push(performance.now() - begin);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    store,
    decisionsPerSecond: Math.round(count / seconds),
    latencyMs: roundSummary(summarize(latencies)),
    cpuMsPerDecision: round((cpu.user + cpu.system) / 1000 / count, 4),
  };
}

async function main(): Promise<void> {
  installCleanup();
  const args = parseArgs(process.argv.slice(2));
  const redis = await RedisServer.start();
  const provider = await FakeProvider.start({ port: 0 });
  const resetTimer = setInterval(() => provider.reset(), 1000);
  try {
    process.stderr.write('bench:ratelimit: 1/3 Envoy + aigw without limits\n');
    const without = await throughEnvoy(provider.port, args, {});
    process.stderr.write('bench:ratelimit: 2/3 Envoy + aigw with a token quota and a budget in Redis\n');
    const withLimits = await throughEnvoy(provider.port, args, limitsSection(redis.url));
    process.stderr.write('bench:ratelimit: 3/3 the rate-limit service alone\n');
    const count = args.quick ? 5000 : 50_000;
    const redisLimiter = new RedisLimiter({ url: redis.url, timeoutMs: 1000, keyPrefix: 'bench', logger: silentLogger });
    await new Promise((resolveWait) => setTimeout(resolveWait, 200));
    const stores = [await alone('redis', redisLimiter, count, 64), await alone('memory', new MemoryLimiter(), count, 64)];
    await redisLimiter.close();

    const report = { timestamp: new Date().toISOString(), rate: args.rate, durationSeconds: args.duration, quick: args.quick, without, withLimits, stores };
    const dir = resolve(__dirname, '..', '..', 'perf', 'results');
    mkdirSync(dir, { recursive: true });
    const path = resolve(dir, `ratelimit-${report.timestamp.replace(/[:.]/g, '-')}.json`);
    writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
    const row = (name: string, result: ThroughEnvoy): string[] => [
      name,
      fmt(result.unloadedAdded.p50),
      fmt(result.unloadedAdded.p99),
      fmt(result.openLoopAdded.p50),
      fmt(result.openLoopAdded.p99),
      String(result.openLoopErrors),
      fmt(result.aigwCpuMsPerRequest),
    ];
    const lines = [
      `Through Envoy: ms added over Envoy alone (open loop at ${args.rate} req/s for ${args.duration} s)`,
      table([
        ['aigw', 'unloaded p50', 'unloaded p99', 'loaded p50', 'loaded p99', 'errors', 'aigw CPU ms/req'],
        row('without limits', without),
        row('with limits (Redis)', withLimits),
        ['limits add', fmt(withLimits.unloadedAdded.p50 - without.unloadedAdded.p50), fmt(withLimits.unloadedAdded.p99 - without.unloadedAdded.p99), fmt(withLimits.openLoopAdded.p50 - without.openLoopAdded.p50), fmt(withLimits.openLoopAdded.p99 - without.openLoopAdded.p99), '', fmt(withLimits.aigwCpuMsPerRequest - without.aigwCpuMsPerRequest)],
      ]),
      '',
      'The rate-limit service alone (two descriptors per decision, 64 in flight, one Node process)',
      table([['store', 'decisions/s', 'p50 ms', 'p99 ms', 'CPU ms/decision'], ...stores.map((store) => [store.store, String(store.decisionsPerSecond), fmt(store.latencyMs.p50), fmt(store.latencyMs.p99), fmt(store.cpuMsPerDecision, 4)])]),
    ];
    process.stdout.write(`${lines.join('\n')}\n\nresults: ${path}\n`);
  } finally {
    clearInterval(resetTimer);
    await provider.close();
    await redis.stop();
  }
}

main().then(
  () => {
    cleanupSync();
    process.exit(0);
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`bench:ratelimit: ${error.message}\n${USAGE}\n`);
      cleanupSync();
      process.exit(2);
    }
    process.stderr.write(`bench:ratelimit failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    cleanupSync();
    process.exit(1);
  },
);
