/**
 * Load generators: sequential interleaved requests (unloaded latency, time to first
 * event), an open-loop fixed-rate generator that times from the scheduled start (no
 * coordinated omission), and a closed loop with C connections (peak throughput).
 */
import type { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import { ErrorTally, makeAgent, send } from './http-client';
import type { Outcome, RequestSpec } from './http-client';
import type { TargetName } from './setup';

/** Latency samples and errors of one target in one phase. */
export interface Samples {
  /** Milliseconds, one per successful measured request. */
  latencies: number[];
  errors: ErrorTally;
  /** Requests sent, warm-up included (for CPU per request). */
  sent: number;
  /** Sequential phases only: ms to the first SSE event of each successful measured stream. */
  firstEvents: number[];
  /** Sequential phases only: ms to the end of each successful measured request. */
  totals: number[];
}

/** How a sequential phase runs. */
export interface SequentialOptions {
  warmup: number;
  count: number;
  /** Requests per target before switching to the other one. */
  block: number;
  /** What is timed: the whole request, or up to the first SSE event. */
  measure: 'total' | 'first-event';
}

function emptySamples(): Samples {
  return { latencies: [], errors: new ErrorTally(), sent: 0, firstEvents: [], totals: [] };
}

function elapsed(outcome: Outcome, measure: SequentialOptions['measure']): number {
  const end = measure === 'first-event' ? (outcome.firstEventAt ?? outcome.endedAt) : outcome.endedAt;
  return end - outcome.startedAt;
}

/**
 * One request at a time per target over a keep-alive connection, alternating targets in
 * blocks (and alternating which goes first) so drift affects both alike.
 */
export async function runInterleaved(
  specs: Record<TargetName, RequestSpec>,
  options: SequentialOptions,
): Promise<Record<TargetName, Samples>> {
  const names = Object.keys(specs) as TargetName[];
  const agents = Object.fromEntries(names.map((name) => [name, makeAgent(1)])) as Record<TargetName, Agent>;
  const results = Object.fromEntries(names.map((name) => [name, emptySamples()])) as Record<TargetName, Samples>;
  try {
    for (const [total, record] of [
      [options.warmup, false],
      [options.count, true],
    ] as const) {
      for (let done = 0, round = 0; done < total; done += options.block, round++) {
        const size = Math.min(options.block, total - done);
        const order = round % 2 === 0 ? names : [...names].reverse();
        for (const name of order) {
          const result = results[name];
          for (let i = 0; i < size; i++) {
            const outcome = await send(specs[name], agents[name]);
            result.sent++;
            if (!record) continue;
            if (outcome.ok) {
              result.latencies.push(elapsed(outcome, options.measure));
              result.totals.push(elapsed(outcome, 'total'));
              if (outcome.firstEventAt !== undefined) result.firstEvents.push(elapsed(outcome, 'first-event'));
            } else {
              result.errors.add(outcome);
            }
          }
        }
      }
    }
  } finally {
    for (const agent of Object.values(agents)) agent.destroy();
  }
  return results;
}

/** How an open-loop phase runs. */
export interface OpenLoopOptions {
  /** Request starts per second. */
  rate: number;
  /** Measured seconds. */
  durationSeconds: number;
  /** Seconds at the same rate before measuring (discarded). */
  warmupSeconds: number;
  maxSockets: number;
}

/** Result of an open-loop phase. */
export interface OpenLoopResult extends Samples {
  /** Measured requests scheduled. */
  scheduled: number;
  /** Successful measured responses per second of measured schedule. */
  achievedRate: number;
  /** How late the generator started requests (actual − scheduled start), ms. */
  startLag: number[];
}

/**
 * Starts request i at `t0 + i / rate` whatever happened to earlier ones; each latency is
 * measured from the scheduled start, so a stall in the system (or the generator) shows up.
 */
export async function runOpenLoop(spec: RequestSpec, options: OpenLoopOptions): Promise<OpenLoopResult> {
  const agent = makeAgent(options.maxSockets);
  const interval = 1000 / options.rate;
  const warmupCount = Math.round(options.warmupSeconds * options.rate);
  const measuredCount = Math.round(options.durationSeconds * options.rate);
  const total = warmupCount + measuredCount;
  const result: OpenLoopResult = { ...emptySamples(), scheduled: measuredCount, achievedRate: 0, startLag: [] };
  const inFlight: Array<Promise<void>> = [];
  const t0 = performance.now() + 10;
  let next = 0;

  const fire = (index: number): void => {
    const scheduledAt = t0 + index * interval;
    const measured = index >= warmupCount;
    result.sent++;
    if (measured) result.startLag.push(performance.now() - scheduledAt);
    inFlight.push(
      send(spec, agent).then((outcome) => {
        if (!measured) return;
        if (outcome.ok) result.latencies.push(outcome.endedAt - scheduledAt);
        else result.errors.add(outcome);
      }),
    );
  };

  try {
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        const now = performance.now();
        while (next < total && t0 + next * interval <= now) fire(next++);
        if (next >= total) {
          resolve();
          return;
        }
        setTimeout(tick, Math.max(0, t0 + next * interval - performance.now()));
      };
      setTimeout(tick, Math.max(0, t0 - performance.now()));
    });
    // Every request has its own timeout, so this ends.
    await Promise.all(inFlight);
  } finally {
    agent.destroy();
  }
  result.achievedRate = result.latencies.length / options.durationSeconds;
  return result;
}

/** How a closed-loop phase runs. */
export interface ClosedLoopOptions {
  connections: number;
  durationSeconds: number;
  /** Seconds run before counting (connections open, JIT warm). */
  warmupSeconds: number;
}

/** Result of a closed-loop phase. */
export interface ClosedLoopResult extends Samples {
  /** Successful responses per second in the measured window. */
  requestsPerSecond: number;
}

/** C workers, each sending its next request as soon as the previous one ends. */
export async function runClosedLoop(spec: RequestSpec, options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const agent = makeAgent(options.connections);
  const result: ClosedLoopResult = { ...emptySamples(), requestsPerSecond: 0 };
  const start = performance.now();
  const measureFrom = start + options.warmupSeconds * 1000;
  const end = measureFrom + options.durationSeconds * 1000;
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      const outcome = await send(spec, agent);
      result.sent++;
      // Count responses that ended inside the window.
      if (outcome.endedAt < measureFrom || outcome.endedAt > end) continue;
      if (outcome.ok) result.latencies.push(outcome.endedAt - outcome.startedAt);
      else result.errors.add(outcome);
    }
  };
  try {
    await Promise.all(Array.from({ length: options.connections }, () => worker()));
  } finally {
    agent.destroy();
  }
  result.requestsPerSecond = result.latencies.length / options.durationSeconds;
  return result;
}
