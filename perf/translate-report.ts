/**
 * Results of the translation benchmark: their JSON shape, the file under perf/results/ and
 * the table printed at the end of a run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fmt, table } from './report';
import type { Measurement } from './translate-measure';

/** The design target: aigw CPU per streamed chunk, µs. */
export const CHUNK_TARGET_MICROS = 20;

/** One request or non-streamed response translation. */
export interface OperationResult extends Measurement {
  name: string;
  bytesIn: number;
  bytesOut: number;
}

/** One stream translation, per chunk (one upstream event per responseBody() call). */
export interface StreamResult extends Measurement {
  name: string;
  /** Upstream events in one stream (text deltas plus the fixture's head and tail). */
  eventsPerStream: number;
  /** Mean upstream bytes per event. */
  meanEventBytes: number;
  /** cpuMicros ≤ CHUNK_TARGET_MICROS. */
  meetsTarget: boolean;
}

/** Everything one run produced. */
export interface TranslateReport {
  timestamp: string;
  machine: Record<string, string | number>;
  parameters: Record<string, string | number | boolean>;
  notes: string[];
  requests: OperationResult[];
  responses: OperationResult[];
  streams: StreamResult[];
}

/** Writes the report to `<dir>/translate-<ISO timestamp>.json` and returns the path. */
export function writeTranslateReport(report: TranslateReport, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `translate-${report.timestamp.replace(/:/g, '-')}.json`);
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
  return path;
}

function operationTable(rows: readonly OperationResult[]): string {
  return table([
    ['', 'bytes in', 'bytes out', 'cpu µs/op', 'p50 µs', 'p99 µs', 'max µs', 'n'],
    ...rows.map((row) => [
      row.name,
      String(row.bytesIn),
      row.bytesOut > 0 ? String(row.bytesOut) : '-',
      fmt(row.cpuMicros, 1),
      fmt(row.wallMicros.p50, 1),
      fmt(row.wallMicros.p99, 1),
      fmt(row.wallMicros.max, 1),
      String(row.operations),
    ]),
  ]);
}

/** The human-readable summary printed at the end of a run. */
export function renderTranslateText(report: TranslateReport): string {
  const m = report.machine;
  const out = [`aigw translation benchmark  ${report.timestamp}`, `  ${m.cpus} × ${m.cpuModel}; node ${m.node}; load average ${m.loadAverage1m}`];
  out.push(`  parameters: ${Object.entries(report.parameters).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  for (const note of report.notes) out.push(`  note: ${note}`);
  out.push('', '1. Request translation (translator built + requestBody(), per request)', operationTable(report.requests));
  out.push('', '2. Non-streamed response translation (responseBody() of a recorded response)', operationTable(report.responses));
  out.push('', `3. Stream translation, per upstream event (target ≤ ${CHUNK_TARGET_MICROS} µs of CPU per chunk)`);
  out.push(
    table([
      ['', 'events', 'bytes/event', 'cpu µs/chunk', 'mean µs', 'p50 µs', 'p99 µs', 'max µs', 'target'],
      ...report.streams.map((row) => [
        row.name,
        String(row.eventsPerStream),
        fmt(row.meanEventBytes, 0),
        fmt(row.cpuMicros, 2),
        fmt(row.wallMicros.mean, 2),
        fmt(row.wallMicros.p50, 2),
        fmt(row.wallMicros.p99, 2),
        fmt(row.wallMicros.max, 1),
        row.meetsTarget ? 'met' : 'MISSED',
      ]),
    ]),
  );
  return out.join('\n');
}
