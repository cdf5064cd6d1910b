/**
 * Capacity benchmark, measured the way the field compares gateways: every server (fake
 * provider, Envoy alone, Envoy + aigw, Redis) pinned to core 0, the load generator (this
 * process, and wrk) on core 1; CPU per request read from /proc; rounds alternate the targets
 * and the report gives medians. Not part of `npm test`.
 *
 *   npm run bench:capacity -- [--rounds 3] [--seconds 10] [--connections 32] [--limits] [--tcp] [--root DIR]
 *                             [--compare DIR [--compare-tcp]] [--label TEXT]
 *
 * Targets: `envoy` (Envoy alone proxying OpenAI chat), `passthrough` (Envoy + aigw, an
 * OpenAI backend), `translating` (Envoy + aigw, OpenAI client → Anthropic backend), and with
 * --limits `passthrough` carries a Redis token quota. --root measures another checkout's
 * aigw (its dist/ must be built), against Envoy alone in the same run; --tcp serves ext_proc
 * over plain loopback TCP (older versions' default; today's config refuses it without mTLS).
 * --compare measures another checkout's passthrough and translating targets in the same
 * rounds (its own processes, also on core 0), the fairest comparison on a noisy machine.
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

type Kind = 'envoy' | 'passthrough' | 'translating';
const KINDS: readonly Kind[] = ['envoy', 'passthrough', 'translating'];

/** One measured target: a kind of request on one running stack. */
interface Target {
  readonly name: string;
  readonly kind: Kind;
  readonly stack: CapacityTargets;
}

interface Args {
  rounds: number;
  seconds: number;
  connections: number;
  limits: boolean;
  tcp: boolean;
  root: string;
  label: string;
  /** Another checkout measured in the same rounds (its passthrough and translating targets). */
  compare?: string;
  compareTcp: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { rounds: 3, seconds: 10, connections: 32, limits: false, tcp: false, root: resolve(__dirname, '..', '..'), label: '', compareTcp: false };
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
    else if (flag === '--compare') args.compare = resolve(value());
    else if (flag === '--compare-tcp') args.compareTcp = true;
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

function spec(target: Target, stream: boolean): RequestSpec {
  const port = target.kind === 'envoy' ? target.stack.ports.plain : target.stack.ports.aigw;
  return { port, body: chatBody(stream, target.kind === 'translating' ? BENCH_ANTHROPIC_MODEL : undefined), stream };
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

async function measureRound(target: Target, args: Args, wrk: string, dir: string): Promise<Round> {
  const stack = target.stack;
  const envoy = target.kind === 'envoy' ? stack.envoyPlain : stack.envoyAigw;
  const pids = [envoy.pid, stack.aigw.pid, stack.upstream.pid];
  const before = pids.map(cpuSeconds);
  const peak = await runWrk(wrk, spec(target, false).port, spec(target, false).body, { connections: args.connections, durationSeconds: args.seconds, warmupSeconds: 0 }, dir, LOAD_CORE);
  const cpu = pids.map((pid, index) => cpuSeconds(pid) - before[index]);
  const perRequest = (seconds: number): number => round((seconds / Math.max(1, peak.sent)) * 1e6, 1);
  const unloaded = summarize(await sequential(spec(target, false), 100, 500));
  const loaded = await runOpenLoop(spec(target, false), { rate: 500, durationSeconds: Math.max(3, args.seconds / 2), warmupSeconds: 1, maxSockets: 256 });
  const loadedSummary = summarize(loaded.latencies);
  const ttfb = summarize(await sequential(spec(target, true), 20, 200));
  return {
    peakRps: round(peak.requestsPerSecond, 0),
    errors: peak.errors + loaded.errors.count,
    envoyUs: perRequest(cpu[0]),
    aigwUs: target.kind === 'envoy' ? 0 : perRequest(cpu[1]),
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
    await runOpenLoop(spec({ name: 'passthrough', kind: 'passthrough', stack: targets }, false), { rate: 1000, durationSeconds: 5, warmupSeconds: 1, maxSockets: 512 });
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

function table(results: ReadonlyMap<string, Round>, rss: number): string {
  const envoy = results.get('envoy');
  const header = '| target | peak rps | aigw CPU µs/req | Envoy CPU µs/req | upstream CPU µs/req | added p50 unloaded (ms) | added p50 / p99 at 500 req/s (ms) | added TTFB p50 (ms) |';
  const lines = [header, '| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |'];
  for (const [name, row] of results) {
    const added = (value: number, base: number | undefined): string => (name === 'envoy' || base === undefined ? `${value} (abs)` : String(round(value - base, 2)));
    lines.push(
      `| ${name} | ${row.peakRps} | ${row.aigwUs} | ${row.envoyUs} | ${row.upstreamUs} | ${added(row.unloadedP50, envoy?.unloadedP50)} | ${added(row.loadedP50, envoy?.loadedP50)} / ${added(row.loadedP99, envoy?.loadedP99)} | ${added(row.ttfbP50, envoy?.ttfbP50)} |`,
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
  const primary = await startCapacityTargets({ root: args.root, dir, limits: args.limits, tcp: args.tcp });
  const compared = args.compare ? await startCapacityTargets({ root: args.compare, dir: makeTempDir('aigw-capacity-compare-'), limits: args.limits, tcp: args.compareTcp }) : undefined;
  const targets: Target[] = KINDS.map((kind) => ({ name: kind, kind, stack: primary }));
  if (compared) targets.push(...(['passthrough', 'translating'] as const).map((kind) => ({ name: `compared ${kind}`, kind, stack: compared })));
  const rounds = new Map<string, Round[]>(targets.map((target) => [target.name, []]));
  let rss = 0;
  try {
    for (const target of targets) await sequential(spec(target, false), 200, 0); // warm every path
    for (let index = 0; index < args.rounds; index++) {
      // Alternate the order, so drift (heat, caches, neighbours) hits every target alike.
      const order = index % 2 === 0 ? targets : [...targets].reverse();
      for (const target of order) {
        const started = performance.now();
        const round = await measureRound(target, args, wrk, dir);
        rounds.get(target.name)?.push(round);
        process.stderr.write(`capacity: round ${index + 1} ${target.name}: ${JSON.stringify(round)} (${Math.round((performance.now() - started) / 1000)} s)\n`);
      }
    }
    rss = await rssAt1000(primary);
  } finally {
    await stopCapacityTargets(primary);
    if (compared) await stopCapacityTargets(compared);
  }
  const results = new Map([...rounds].map(([name, list]) => [name, medians(list)]));
  const report = {
    timestamp: new Date().toISOString(),
    label: args.label,
    root: args.root,
    compare: args.compare ?? null,
    limits: args.limits,
    tcp: args.tcp,
    compareTcp: args.compareTcp,
    parameters: { rounds: args.rounds, seconds: args.seconds, connections: args.connections },
    medians: Object.fromEntries(results),
    rounds: Object.fromEntries(rounds),
    aigwRssAt1000Mb: rss,
  };
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
