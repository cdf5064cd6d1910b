/**
 * Capacity benchmark, measured the way the field compares gateways: every server (fake
 * provider, Envoy alone, Envoy + aigw, Redis) pinned to core 0, the load generator (this
 * process, and wrk) on core 1; CPU per request read from /proc; rounds alternate the targets
 * and the report gives medians. Not part of `npm test`.
 *
 *   npm run bench:capacity -- [--rounds 3] [--seconds 10] [--connections 32] [--limits] [--tcp] [--root DIR] [--label TEXT]
 *
 * Targets: `envoy` (Envoy alone proxying OpenAI chat), `passthrough` (Envoy + aigw, an
 * OpenAI backend), `translating` (Envoy + aigw, OpenAI client → Anthropic backend), and with
 * --limits `passthrough` carries a Redis token quota. --root measures another checkout's
 * aigw (its dist/ must be built), against Envoy alone in the same run; --tcp serves ext_proc
 * over plain loopback TCP (older versions' default; today's config refuses it without mTLS).
 * Writes perf/results/capacity-<time>.json and prints a table.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { makeAgent, send } from './http-client';
import type { RequestSpec } from './http-client';
import { runOpenLoop } from './load';
import { cleanupSync, cpuSeconds, installCleanup, makeTempDir, onPath, statusBytes } from './processes';
import { BENCH_ANTHROPIC_MODEL, chatBody } from './setup';
import { round, summarize } from './stats';
import { runWrk } from './wrk';
import { LOAD_CORE, pinSelf, startCapacityTargets, stopCapacityTargets } from './capacity-targets';
import type { CapacityTargets } from './capacity-targets';

type Target = 'envoy' | 'passthrough' | 'translating';
const TARGETS: readonly Target[] = ['envoy', 'passthrough', 'translating'];

interface Args {
  rounds: number;
  seconds: number;
  connections: number;
  limits: boolean;
  tcp: boolean;
  root: string;
  label: string;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { rounds: 3, seconds: 10, connections: 32, limits: false, tcp: false, root: resolve(__dirname, '..', '..'), label: '' };
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index];
    const value = (): string => argv[++index] ?? '';
    if (flag === '--rounds') args.rounds = Number(value());
    else if (flag === '--seconds') args.seconds = Number(value());
    else if (flag === '--connections') args.connections = Number(value());
    else if (flag === '--limits') args.limits = true;
    else if (flag === '--tcp') args.tcp = true;
    else if (flag === '--root') args.root = resolve(value());
    else if (flag === '--label') args.label = value();
    else throw new Error(`unknown flag ${flag}`);
  }
  return args;
}

/** One round's numbers for one target. */
interface Round {
  peakRps: number;
  errors: number;
  /** CPU per request at peak, µs. */
  envoyUs: number;
  aigwUs: number;
  upstreamUs: number;
  unloadedP50: number;
  unloadedP99: number;
  loadedP50: number;
  loadedP99: number;
  ttfbP50: number;
}

function spec(targets: CapacityTargets, target: Target, stream: boolean): RequestSpec {
  const port = target === 'envoy' ? targets.ports.plain : targets.ports.aigw;
  return { port, body: chatBody(stream, target === 'translating' ? BENCH_ANTHROPIC_MODEL : undefined), stream };
}

/** Sequential requests on one keep-alive connection: latency (or time to the first event) in ms. */
async function sequential(request: RequestSpec, warmup: number, count: number): Promise<number[]> {
  const agent = makeAgent(1);
  const samples: number[] = [];
  try {
    for (let index = 0; index < warmup + count; index++) {
      const outcome = await send(request, agent);
      if (!outcome.ok) throw new Error(`request failed: ${outcome.error ?? ''}`);
      if (index >= warmup) samples.push((request.stream ? (outcome.firstEventAt ?? outcome.endedAt) : outcome.endedAt) - outcome.startedAt);
    }
  } finally {
    agent.destroy();
  }
  return samples;
}

async function measureRound(targets: CapacityTargets, target: Target, args: Args, wrk: string, dir: string): Promise<Round> {
  const envoy = target === 'envoy' ? targets.envoyPlain : targets.envoyAigw;
  const pids = [envoy.pid, targets.aigw.pid, targets.upstream.pid];
  const before = pids.map(cpuSeconds);
  const peak = await runWrk(wrk, spec(targets, target, false).port, spec(targets, target, false).body, { connections: args.connections, durationSeconds: args.seconds, warmupSeconds: 0 }, dir, LOAD_CORE);
  const cpu = pids.map((pid, index) => cpuSeconds(pid) - before[index]);
  const perRequest = (seconds: number): number => round((seconds / Math.max(1, peak.sent)) * 1e6, 1);
  const unloaded = summarize(await sequential(spec(targets, target, false), 100, 500));
  const loaded = await runOpenLoop(spec(targets, target, false), { rate: 500, durationSeconds: Math.max(3, args.seconds / 2), warmupSeconds: 1, maxSockets: 256 });
  const loadedSummary = summarize(loaded.latencies);
  const ttfb = summarize(await sequential(spec(targets, target, true), 20, 200));
  return {
    peakRps: round(peak.requestsPerSecond, 0),
    errors: peak.errors + loaded.errors.count,
    envoyUs: perRequest(cpu[0]),
    aigwUs: target === 'envoy' ? 0 : perRequest(cpu[1]),
    upstreamUs: perRequest(cpu[2]),
    unloadedP50: round(unloaded.p50, 3),
    unloadedP99: round(unloaded.p99, 3),
    loadedP50: round(loadedSummary.p50, 3),
    loadedP99: round(loadedSummary.p99, 3),
    ttfbP50: round(ttfb.p50, 3),
  };
}

/** aigw's RSS while serving 1,000 req/s (the memory target). */
async function rssAt1000(targets: CapacityTargets): Promise<number> {
  let peak = 0;
  const sample = setInterval(() => (peak = Math.max(peak, statusBytes(targets.aigw.pid, 'VmRSS'))), 200);
  try {
    await runOpenLoop(spec(targets, 'passthrough', false), { rate: 1000, durationSeconds: 5, warmupSeconds: 1, maxSockets: 512 });
  } finally {
    clearInterval(sample);
  }
  return round(peak / 2 ** 20, 1);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : round((sorted[middle - 1] + sorted[middle]) / 2, 3);
}

function medians(rounds: readonly Round[]): Round {
  const keys = Object.keys(rounds[0]) as Array<keyof Round>;
  return Object.fromEntries(keys.map((key) => [key, median(rounds.map((item) => item[key]))])) as unknown as Round;
}

function table(results: Record<Target, Round>, rss: number): string {
  const envoy = results.envoy;
  const header = '| target | peak rps | aigw CPU µs/req | Envoy CPU µs/req | upstream CPU µs/req | added p50 unloaded (ms) | added p50 / p99 at 500 req/s (ms) | added TTFB p50 (ms) |';
  const lines = [header, '| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |'];
  for (const target of TARGETS) {
    const row = results[target];
    const added = (value: number, base: number): string => (target === 'envoy' ? `${value} (abs)` : String(round(value - base, 2)));
    lines.push(
      `| ${target} | ${row.peakRps} | ${row.aigwUs} | ${row.envoyUs} | ${row.upstreamUs} | ${added(row.unloadedP50, envoy.unloadedP50)} | ${added(row.loadedP50, envoy.loadedP50)} / ${added(row.loadedP99, envoy.loadedP99)} | ${added(row.ttfbP50, envoy.ttfbP50)} |`,
    );
  }
  lines.push('', `aigw RSS at 1,000 req/s: ${rss} MB`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  installCleanup();
  const args = parseArgs(process.argv.slice(2));
  const wrk = onPath('wrk');
  if (!wrk) throw new Error('wrk is needed on PATH (apt-get install wrk)');
  pinSelf();
  const dir = makeTempDir('aigw-capacity-');
  const targets = await startCapacityTargets({ root: args.root, dir, limits: args.limits, tcp: args.tcp });
  const rounds: Record<Target, Round[]> = { envoy: [], passthrough: [], translating: [] };
  let rss = 0;
  try {
    for (const target of TARGETS) await sequential(spec(targets, target, false), 200, 0); // warm every path
    for (let index = 0; index < args.rounds; index++) {
      // Alternate the order, so drift (heat, caches) hits every target alike.
      const order = index % 2 === 0 ? TARGETS : [...TARGETS].reverse();
      for (const target of order) {
        const started = performance.now();
        rounds[target].push(await measureRound(targets, target, args, wrk, dir));
        process.stderr.write(`capacity: round ${index + 1} ${target}: ${JSON.stringify(rounds[target][index])} (${Math.round((performance.now() - started) / 1000)} s)\n`);
      }
    }
    rss = await rssAt1000(targets);
  } finally {
    await stopCapacityTargets(targets);
  }
  const results = Object.fromEntries(TARGETS.map((target) => [target, medians(rounds[target])])) as Record<Target, Round>;
  const report = { timestamp: new Date().toISOString(), label: args.label, root: args.root, limits: args.limits, tcp: args.tcp, parameters: { rounds: args.rounds, seconds: args.seconds, connections: args.connections }, medians: results, rounds, aigwRssAt1000Mb: rss };
  const outDir = resolve(__dirname, '..', '..', 'perf', 'results');
  mkdirSync(outDir, { recursive: true });
  const path = resolve(outDir, `capacity-${report.timestamp.replace(/[:.]/g, '-')}.json`);
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${args.label ? `${args.label}\n` : ''}${table(results, rss)}\n\nresults: ${path}\n`);
}

main().then(
  () => {
    cleanupSync();
    process.exit(0);
  },
  (error: unknown) => {
    process.stderr.write(`capacity failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    cleanupSync();
    process.exit(1);
  },
);
