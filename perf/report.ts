/**
 * The benchmark's results: their JSON shape, the file under perf/results/, and the
 * readable tables printed to stdout.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PERCENTILES } from './stats';
import type { Added, Summary } from './stats';
import type { TargetName } from './setup';

/** Latency and errors of one target in one phase. */
export interface TargetLatency {
  latency: Summary;
  errors: number;
  errorKinds: Record<string, number>;
}

/** Two targets compared on latency percentiles. */
export interface Comparison<T extends TargetLatency = TargetLatency> {
  envoy: T;
  aigw: T;
  added: Added;
}

/** Open-loop numbers of one target. */
export interface OpenLoopTarget extends TargetLatency {
  scheduled: number;
  achievedRate: number;
  /** Generator start lag (actual − scheduled start), ms: how much of the latency is the generator's. */
  startLag: Summary;
}

/** Peak throughput of one target. */
export interface ThroughputTarget {
  requestsPerSecond: number;
  errors: number;
  errorKinds: Record<string, number>;
  p50: number;
  p90: number;
  p99: number;
}

/** CPU used during one phase. */
export interface CpuPhase {
  phase: string;
  wallSeconds: number;
  aigwCpuSeconds: number;
  /** Requests sent to the aigw target during the phase (warm-up included). */
  aigwRequests: number;
  /** aigw CPU seconds per 1000 aigw requests (NaN when there were none). */
  aigwCpuSecondsPer1000: number;
  envoyAigwCpuSeconds: number;
  envoyPlainCpuSeconds: number;
  /** This process: load generator plus fake provider. */
  benchCpuSeconds: number;
}

/** A target from the design goals, compared (not asserted). */
export interface GoalCheck {
  goal: string;
  actual: number;
  limit: number;
  unit: string;
  met: boolean;
}

/** A streamed request whose client API differs from the provider's, timed to its first event and to its end. */
export interface TranslatedStreaming {
  firstEvent: Comparison;
  total: Comparison;
}

/** Everything one run produced. */
export interface BenchReport {
  timestamp: string;
  machine: Record<string, string | number>;
  parameters: Record<string, string | number | boolean>;
  notes: string[];
  unloaded: Comparison;
  openLoop: Comparison<OpenLoopTarget> & { rate: number; durationSeconds: number };
  throughput: { tool: 'node' | 'wrk'; connections: number; durationSeconds: number; envoy: ThroughputTarget; aigw: ThroughputTarget; aigwShare: number };
  streaming: Comparison;
  /** Envoy alone proxying an Anthropic stream vs Envoy + aigw serving OpenAI chat from an anthropic backend. */
  translatedStreaming: TranslatedStreaming;
  cpu: CpuPhase[];
  memory: { aigwRssAfterStartMb: number; aigwPeakRssMb: number };
  goals: GoalCheck[];
}

/** Writes the report to `<dir>/bench-<ISO timestamp>.json` and returns the path. */
export function writeReport(report: BenchReport, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `bench-${report.timestamp.replace(/:/g, '-')}.json`);
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
  return path;
}

const LABEL: Record<TargetName, string> = { envoy: 'envoy alone', aigw: 'envoy + aigw' };

/** A number with fixed decimals, or '-' when it is not finite. */
export function fmt(value: number, digits = 3): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '-';
}

/** Pads columns: the first left-aligned, the others right-aligned. */
export function table(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows
    .map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('   '))
    .map((line) => `  ${line.trimEnd()}`)
    .join('\n');
}

function comparisonTable(comparison: Comparison, extra: Array<[string, (target: TargetLatency) => string]> = []): string {
  const header = ['', ...PERCENTILES.map((p) => `${p} ms`), 'max ms', 'n', 'errors', ...extra.map(([name]) => name)];
  const row = (name: TargetName): string[] => {
    const target = comparison[name];
    return [
      LABEL[name],
      ...PERCENTILES.map((p) => fmt(target.latency[p])),
      fmt(target.latency.max),
      String(target.latency.count),
      String(target.errors),
      ...extra.map(([, get]) => get(target)),
    ];
  };
  const addedRow = ['added by aigw', ...PERCENTILES.map((p) => fmt(comparison.added[p])), '', '', ''];
  return table([header, row('envoy'), row('aigw'), addedRow]);
}

function errorLines(comparison: { envoy: { errorKinds: Record<string, number> }; aigw: { errorKinds: Record<string, number> } }): string {
  const lines: string[] = [];
  for (const name of ['envoy', 'aigw'] as const) {
    for (const [kind, count] of Object.entries(comparison[name].errorKinds)) lines.push(`  ! ${LABEL[name]}: ${count} × ${kind}`);
  }
  return lines.length > 0 ? `\n${lines.slice(0, 10).join('\n')}` : '';
}

/** The human-readable summary printed at the end of a run. */
export function renderText(report: BenchReport): string {
  const out: string[] = [];
  const m = report.machine;
  out.push(`aigw benchmark  ${report.timestamp}`);
  out.push(`  ${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GB, ${m.os}; node ${m.node}; envoy ${m.envoy}`);
  out.push(`  parameters: ${Object.entries(report.parameters).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  for (const note of report.notes) out.push(`  note: ${note}`);

  out.push('', `1. Unloaded latency (sequential, one keep-alive connection per target, blocks of ${report.parameters.block} interleaved)`);
  out.push(comparisonTable(report.unloaded) + errorLines(report.unloaded));

  const ol = report.openLoop;
  out.push('', `2. Open loop at ${ol.rate} req/s for ${ol.durationSeconds} s per target (latency from scheduled start)`);
  const openExtra: Array<[string, (target: TargetLatency) => string]> = [
    ['achieved req/s', (t) => fmt((t as OpenLoopTarget).achievedRate, 1)],
    ['gen lag p99 ms', (t) => fmt((t as OpenLoopTarget).startLag.p99)],
  ];
  out.push(comparisonTable(ol, openExtra) + errorLines(ol));

  const tp = report.throughput;
  out.push('', `3. Peak throughput (closed loop, ${tp.connections} connections, ${tp.durationSeconds} s per target, ${tp.tool})`);
  const tpRow = (name: TargetName): string[] => {
    const t = tp[name];
    return [LABEL[name], fmt(t.requestsPerSecond, 0), fmt(t.p50), fmt(t.p90), fmt(t.p99), String(t.errors)];
  };
  out.push(table([['', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'errors'], tpRow('envoy'), tpRow('aigw')]) + errorLines(tp));
  out.push(`  aigw reaches ${fmt(tp.aigwShare * 100, 1)} % of Envoy-alone throughput`);

  out.push('', '4. Streaming: time to first SSE event (sequential, interleaved)');
  out.push(comparisonTable(report.streaming) + errorLines(report.streaming));

  const ts = report.translatedStreaming;
  out.push('', '5. Translated streaming (sequential, interleaved): envoy alone = Anthropic /v1/messages stream straight to the fake;');
  out.push('   envoy + aigw = OpenAI chat stream from an anthropic backend on the same fake (OpenAI → Anthropic and back, per event)');
  out.push('  time to first event');
  out.push(comparisonTable(ts.firstEvent) + errorLines(ts.firstEvent));
  out.push('  total time (whole stream)');
  out.push(comparisonTable(ts.total));

  out.push('', '6. CPU per phase (seconds; bench = load generator + fake provider) and aigw memory');
  const cpuRows = report.cpu.map((phase) => [
    phase.phase,
    fmt(phase.wallSeconds, 1),
    fmt(phase.aigwCpuSeconds, 2),
    String(phase.aigwRequests),
    fmt(phase.aigwCpuSecondsPer1000, 3),
    fmt(phase.envoyAigwCpuSeconds, 2),
    fmt(phase.envoyPlainCpuSeconds, 2),
    fmt(phase.benchCpuSeconds, 2),
  ]);
  out.push(table([['phase', 'wall s', 'aigw cpu', 'aigw reqs', 'aigw cpu/1k req', 'envoy(aigw) cpu', 'envoy(alone) cpu', 'bench cpu'], ...cpuRows]));
  out.push(`  aigw RSS after start ${fmt(report.memory.aigwRssAfterStartMb, 1)} MB, peak (VmHWM) ${fmt(report.memory.aigwPeakRssMb, 1)} MB`);

  out.push('', 'Targets (compared, not asserted)');
  out.push(
    table([
      ['goal', 'actual', 'limit', 'result'],
      ...report.goals.map((goal) => [goal.goal, `${fmt(goal.actual, goal.unit === 'errors' ? 0 : goal.unit === 'MB' ? 1 : 3)} ${goal.unit}`, `${goal.limit} ${goal.unit}`, goal.met ? 'met' : 'MISSED']),
    ]),
  );
  return out.join('\n');
}
