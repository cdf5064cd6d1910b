import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** V8's gc(), to start each measured run on a clean heap rather than paying for the last run's garbage. */
export function exposedGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** CPU milliseconds this process has used: unlike wall time, not inflated by other processes on a busy machine. */
export function cpuMilliseconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** What linearCost measured, in CPU milliseconds. */
export interface LinearCost {
  /** The median of five runs on `baseSize` bytes. */
  readonly baseline: number;
  /** The fastest of up to five runs on eight times as many bytes (Infinity when each ran past the budget). */
  readonly large: number;
  /** 20 times the baseline: linear code needs about 8 times (up to 12 where the large run leaves the CPU caches), quadratic code about 64. */
  readonly budget: number;
}

/**
 * Runs `run(size, budget)` on `baseSize` bytes and on eight times as many, for a test that
 * the cost is linear. `run` returns its CPU milliseconds, or Infinity as soon as it has used
 * more than `budget`, so quadratic code fails in a minute instead of running for many. Each
 * run starts on a freshly collected heap; the baseline is a median (one lucky run must not
 * set it), the large run the best of up to five (unlucky runs on a loaded machine must not fail
 * it; quadratic code fails every one, each cut off at the budget).
 */
export function linearCost(run: (size: number, budget: number) => number, baseSize: number): LinearCost {
  const gc = exposedGc();
  const measure = (size: number, budget: number): number => {
    gc();
    return run(size, budget);
  };
  // Warm-up: the JIT compiles the hot loops before anything is timed.
  measure(baseSize, Number.POSITIVE_INFINITY);
  measure(baseSize, Number.POSITIVE_INFINITY);
  const baselines = [0, 1, 2, 3, 4].map(() => measure(baseSize, Number.POSITIVE_INFINITY)).sort((left, right) => left - right);
  const baseline = baselines[2];
  const budget = 20 * Math.max(baseline, 1);
  let large = Number.POSITIVE_INFINITY;
  for (let attempt = 0; attempt < 5 && large >= budget; attempt++) large = Math.min(large, measure(8 * baseSize, budget));
  return { baseline, large, budget };
}
