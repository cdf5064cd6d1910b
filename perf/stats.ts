/**
 * Small statistics helpers for the benchmark: percentiles of latency samples and the
 * difference between two summaries.
 */

/** Percentiles and extremes of a set of samples, in the samples' unit (milliseconds here). */
export interface Summary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** The percentiles the benchmark compares between targets. */
export type PercentileKey = 'p50' | 'p90' | 'p99';

/** Percentile keys in report order. */
export const PERCENTILES: readonly PercentileKey[] = ['p50', 'p90', 'p99'];

/** `aigw − envoy alone` for each percentile. */
export type Added = Record<PercentileKey, number>;

/**
 * The q-th quantile (0..1) of already sorted samples, linearly interpolated between the
 * two nearest ranks. NaN when there are no samples.
 */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
}

/** Summarises samples (the input is not modified). */
export function summarize(samples: readonly number[]): Summary {
  const sorted = Float64Array.from(samples).sort();
  const values = Array.from(sorted);
  const total = values.reduce((sum, value) => sum + value, 0);
  return {
    count: values.length,
    min: values.length > 0 ? values[0] : Number.NaN,
    mean: values.length > 0 ? total / values.length : Number.NaN,
    p50: quantile(values, 0.5),
    p90: quantile(values, 0.9),
    p99: quantile(values, 0.99),
    max: values.length > 0 ? values[values.length - 1] : Number.NaN,
  };
}

/** Per-percentile difference `with − without` (the latency the gateway adds). */
export function added(withGateway: Summary, without: Summary): Added {
  return {
    p50: withGateway.p50 - without.p50,
    p90: withGateway.p90 - without.p90,
    p99: withGateway.p99 - without.p99,
  };
}

/** Rounds to `digits` decimals for the JSON report (NaN stays NaN, JSON writes it as null). */
export function round(value: number, digits = 3): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** A copy of a summary with every number rounded for the report. */
export function roundSummary(summary: Summary, digits = 3): Summary {
  return {
    count: summary.count,
    min: round(summary.min, digits),
    mean: round(summary.mean, digits),
    p50: round(summary.p50, digits),
    p90: round(summary.p90, digits),
    p99: round(summary.p99, digits),
    max: round(summary.max, digits),
  };
}
