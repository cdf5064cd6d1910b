/**
 * The benchmark's phases, each measured for both targets, with the CPU every process
 * used during the phase.
 */
import { performance } from 'node:perf_hooks';
import { runClosedLoop, runInterleaved, runOpenLoop } from './load';
import type { OpenLoopResult, Samples } from './load';
import type { RequestSpec } from './http-client';
import { cpuSeconds } from './processes';
import type { BenchReport, Comparison, CpuPhase, OpenLoopTarget, TargetLatency, ThroughputTarget, TranslatedStreaming } from './report';
import { BENCH_ANTHROPIC_MODEL, CHAT_PATH, MESSAGES_PATH, TARGET_NAMES, chatBody, messagesBody } from './setup';
import type { TargetName, Targets } from './setup';
import { added, roundSummary, summarize, round } from './stats';
import { runWrk } from './wrk';

/** Everything a phase needs to know. */
export interface PhaseParameters {
  rate: number;
  durationSeconds: number;
  openLoopWarmupSeconds: number;
  maxSockets: number;
  unloadedWarmup: number;
  unloadedCount: number;
  block: number;
  streamingWarmup: number;
  streamingCount: number;
  connections: number;
  throughputSeconds: number;
  throughputWarmupSeconds: number;
  /** wrk's path when it is used for peak throughput. */
  wrk?: string;
  /** Temp directory for the wrk script. */
  dir: string;
}

/** Records the CPU each process used while a phase ran. */
export class CpuMeter {
  /** Phases measured so far, in order. */
  readonly phases: CpuPhase[] = [];

  constructor(private readonly targets: Targets) {}

  /** Runs `run`, recording CPU deltas; `aigwRequests` says how many requests aigw got. */
  async measure<T>(phase: string, run: () => Promise<T>, aigwRequests: (result: T) => number): Promise<T> {
    const { aigw, envoyAigw, envoyPlain } = this.targets;
    const before = [cpuSeconds(aigw.pid), cpuSeconds(envoyAigw.pid), cpuSeconds(envoyPlain.pid)];
    const bench = process.cpuUsage();
    const start = performance.now();
    const result = await run();
    const wallSeconds = (performance.now() - start) / 1000;
    const benchUsage = process.cpuUsage(bench);
    const [aigwCpu, envoyAigwCpu, envoyPlainCpu] = [aigw.pid, envoyAigw.pid, envoyPlain.pid].map((pid, index) => cpuSeconds(pid) - before[index]);
    const requests = aigwRequests(result);
    this.phases.push({
      phase,
      wallSeconds: round(wallSeconds, 2),
      aigwCpuSeconds: round(aigwCpu, 2),
      aigwRequests: requests,
      aigwCpuSecondsPer1000: requests > 0 ? round((aigwCpu / requests) * 1000, 3) : Number.NaN,
      envoyAigwCpuSeconds: round(envoyAigwCpu, 2),
      envoyPlainCpuSeconds: round(envoyPlainCpu, 2),
      benchCpuSeconds: round((benchUsage.user + benchUsage.system) / 1e6, 2),
    });
    return result;
  }
}

function specs(targets: Targets, stream: boolean): Record<TargetName, RequestSpec> {
  const body = chatBody(stream);
  return { envoy: { port: targets.ports.envoy, body, stream }, aigw: { port: targets.ports.aigw, body, stream } };
}

function latencyOf(samples: Samples, latencies: readonly number[] = samples.latencies): TargetLatency {
  return { latency: roundSummary(summarize(latencies)), errors: samples.errors.count, errorKinds: samples.errors.toJSON() };
}

/**
 * The requests of the translated-streaming phase: Envoy alone forwards an Anthropic Messages
 * stream request to the fake provider's Anthropic path; Envoy + aigw gets an OpenAI chat
 * stream request for a model on an `anthropic` backend (the same fake), so aigw translates
 * the request to Anthropic and every streamed event back to an OpenAI chunk.
 */
export function translatedStreamSpecs(targets: Targets): Record<TargetName, RequestSpec> {
  return {
    envoy: { port: targets.ports.envoy, path: MESSAGES_PATH, body: messagesBody(true), stream: true },
    aigw: { port: targets.ports.aigw, path: CHAT_PATH, body: chatBody(true, BENCH_ANTHROPIC_MODEL), stream: true },
  };
}

function compare<T extends TargetLatency>(envoy: T, aigw: T): Comparison<T> {
  const difference = added(aigw.latency, envoy.latency);
  return { envoy, aigw, added: { p50: round(difference.p50), p90: round(difference.p90), p99: round(difference.p99) } };
}

async function interleavedPhase(meter: CpuMeter, name: string, targets: Targets, stream: boolean, warmup: number, count: number, block: number): Promise<Comparison> {
  const results = await meter.measure(
    name,
    () => runInterleaved(specs(targets, stream), { warmup, count, block, measure: stream ? 'first-event' : 'total' }),
    (result) => result.aigw.sent,
  );
  return compare(latencyOf(results.envoy), latencyOf(results.aigw));
}

/** 1. Sequential unloaded latency of both targets, interleaved in blocks. */
export function unloadedPhase(meter: CpuMeter, targets: Targets, p: PhaseParameters): Promise<Comparison> {
  return interleavedPhase(meter, 'unloaded (both)', targets, false, p.unloadedWarmup, p.unloadedCount, p.block);
}

/** 4. Sequential time to first SSE event of both targets, interleaved in blocks. */
export function streamingPhase(meter: CpuMeter, targets: Targets, p: PhaseParameters): Promise<Comparison> {
  return interleavedPhase(meter, 'streaming (both)', targets, true, p.streamingWarmup, p.streamingCount, p.block);
}

/** 5. Translated streaming: Anthropic stream through Envoy alone vs OpenAI → Anthropic through Envoy + aigw. */
export async function translatedStreamingPhase(meter: CpuMeter, targets: Targets, p: PhaseParameters): Promise<TranslatedStreaming> {
  const results = await meter.measure(
    'translated streaming (both)',
    () => runInterleaved(translatedStreamSpecs(targets), { warmup: p.streamingWarmup, count: p.streamingCount, block: p.block, measure: 'first-event' }),
    (result) => result.aigw.sent,
  );
  return {
    firstEvent: compare(latencyOf(results.envoy, results.envoy.firstEvents), latencyOf(results.aigw, results.aigw.firstEvents)),
    total: compare(latencyOf(results.envoy, results.envoy.totals), latencyOf(results.aigw, results.aigw.totals)),
  };
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** 2. Open loop at a fixed rate, one target after the other. */
export async function openLoopPhase(meter: CpuMeter, targets: Targets, p: PhaseParameters): Promise<BenchReport['openLoop']> {
  const all = specs(targets, false);
  const results = {} as Record<TargetName, OpenLoopTarget>;
  for (const name of TARGET_NAMES) {
    await pause(500);
    const options = { rate: p.rate, durationSeconds: p.durationSeconds, warmupSeconds: p.openLoopWarmupSeconds, maxSockets: p.maxSockets };
    const result: OpenLoopResult = await meter.measure(`open loop ${name}`, () => runOpenLoop(all[name], options), (r) => (name === 'aigw' ? r.sent : 0));
    results[name] = {
      ...latencyOf(result),
      scheduled: result.scheduled,
      achievedRate: round(result.achievedRate, 1),
      startLag: roundSummary(summarize(result.startLag)),
    };
  }
  return { rate: p.rate, durationSeconds: p.durationSeconds, ...compare(results.envoy, results.aigw) };
}

/** 3. Peak throughput with C connections (wrk when available), aigw first this time. */
export async function throughputPhase(meter: CpuMeter, targets: Targets, p: PhaseParameters): Promise<BenchReport['throughput']> {
  const all = specs(targets, false);
  const results = {} as Record<TargetName, ThroughputTarget>;
  for (const name of [...TARGET_NAMES].reverse()) {
    await pause(500);
    const phase = `throughput ${name}`;
    const wrk = p.wrk;
    if (wrk !== undefined) {
      const options = { connections: p.connections, durationSeconds: p.throughputSeconds, warmupSeconds: p.throughputWarmupSeconds };
      const run = (): ReturnType<typeof runWrk> => runWrk(wrk, all[name].port, all[name].body, options, p.dir);
      const result = await meter.measure(phase, run, (r) => (name === 'aigw' ? r.sent : 0));
      results[name] = {
        requestsPerSecond: round(result.requestsPerSecond, 1),
        errors: result.errors,
        errorKinds: result.errorKinds,
        p50: round(result.p50),
        p90: round(result.p90),
        p99: round(result.p99),
      };
    } else {
      const options = { connections: p.connections, durationSeconds: p.throughputSeconds, warmupSeconds: p.throughputWarmupSeconds };
      const result = await meter.measure(phase, () => runClosedLoop(all[name], options), (r) => (name === 'aigw' ? r.sent : 0));
      const latency = summarize(result.latencies);
      results[name] = {
        requestsPerSecond: round(result.requestsPerSecond, 1),
        errors: result.errors.count,
        errorKinds: result.errors.toJSON(),
        p50: round(latency.p50),
        p90: round(latency.p90),
        p99: round(latency.p99),
      };
    }
  }
  return {
    tool: p.wrk !== undefined ? 'wrk' : 'node',
    connections: p.connections,
    durationSeconds: p.throughputSeconds,
    envoy: results.envoy,
    aigw: results.aigw,
    aigwShare: round(results.aigw.requestsPerSecond / results.envoy.requestsPerSecond, 4),
  };
}
