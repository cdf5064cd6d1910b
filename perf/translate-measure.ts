/**
 * Timing loops of the translation benchmark. CPU comes from process.cpuUsage() over a loop
 * without per-operation timers (user + system, all of the process's threads, so GC helper
 * threads count too); the distribution comes from a second loop that times each operation
 * with performance.now().
 */
import { performance } from 'node:perf_hooks';
import { roundSummary, summarize } from './stats';
import type { Summary } from './stats';

/** One operation's cost: CPU per operation and the wall-time distribution, both in µs. */
export interface Measurement {
  /** Operations in each measured loop (after the warm-up). */
  operations: number;
  /** Process CPU (user + system) per operation, µs. */
  cpuMicros: number;
  /** Wall time of each operation, µs. */
  wallMicros: Summary;
}

/** How many times to run, before and while measuring. */
export interface LoopCounts {
  warmup: number;
  iterations: number;
}

function cpuMicrosSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

/** Times a synchronous or asynchronous operation run `iterations` times after `warmup` runs. */
export async function measureOperation(operation: () => unknown, counts: LoopCounts): Promise<Measurement> {
  for (let i = 0; i < counts.warmup; i++) await operation();
  const cpuStart = process.cpuUsage();
  for (let i = 0; i < counts.iterations; i++) await operation();
  const cpuMicros = cpuMicrosSince(cpuStart) / counts.iterations;
  const wall = new Float64Array(counts.iterations);
  for (let i = 0; i < counts.iterations; i++) {
    const start = performance.now();
    await operation();
    wall[i] = (performance.now() - start) * 1000;
  }
  return { operations: counts.iterations, cpuMicros, wallMicros: roundSummary(summarize(Array.from(wall)), 2) };
}

/** Something that takes a stream one piece at a time (a translator's responseBody). */
export type ChunkSink = (chunk: Buffer, endOfStream: boolean) => unknown;

/**
 * Feeds `events` one per call to a fresh sink per pass, `passes` times after `warmupPasses`,
 * and returns the cost per chunk. Building the sink (the translator) is outside the timing.
 */
export function measureStream(makeSink: () => ChunkSink, events: readonly Buffer[], passes: number, warmupPasses: number): Measurement {
  const last = events.length - 1;
  const feed = (sink: ChunkSink, wall?: Float64Array, offset = 0): void => {
    for (let i = 0; i <= last; i++) {
      if (wall === undefined) {
        sink(events[i], i === last);
      } else {
        const start = performance.now();
        sink(events[i], i === last);
        wall[offset + i] = (performance.now() - start) * 1000;
      }
    }
  };
  for (let pass = 0; pass < warmupPasses; pass++) feed(makeSink());
  const sinks = Array.from({ length: passes }, makeSink);
  const cpuStart = process.cpuUsage();
  for (const sink of sinks) feed(sink);
  const cpuMicros = cpuMicrosSince(cpuStart) / (passes * events.length);
  const wall = new Float64Array(passes * events.length);
  for (let pass = 0; pass < passes; pass++) feed(makeSink(), wall, pass * events.length);
  return { operations: passes * events.length, cpuMicros, wallMicros: roundSummary(summarize(Array.from(wall)), 2) };
}
