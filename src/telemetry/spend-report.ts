import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

/** What spend is grouped by: the audit record field each names. */
export const SPEND_GROUPS = { team: 'team', project: 'project', key: 'caller', model: 'model' } as const;
export type SpendGroup = keyof typeof SPEND_GROUPS;

export interface SpendRow {
  readonly group: string;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  costUsd: number;
}

export interface SpendQuery {
  readonly by: SpendGroup;
  /** Inclusive, ISO time; records before it are left out. */
  readonly since?: Date;
  /** Exclusive. */
  readonly until?: Date;
}

export interface SpendReport {
  readonly by: SpendGroup;
  readonly since: string | null;
  readonly until: string | null;
  readonly rows: SpendRow[];
  readonly total: Omit<SpendRow, 'group'>;
}

interface RequestRecord {
  type?: unknown;
  time?: unknown;
  cost_usd?: unknown;
  tokens?: { input?: unknown; output?: unknown; total?: unknown } | null;
  [field: string]: unknown;
}

const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

/** Accumulates request records into a report; pure, for the CLI and the admin endpoint. */
export class SpendAccumulator {
  private readonly rows = new Map<string, SpendRow>();

  constructor(private readonly query: SpendQuery) {}

  add(record: RequestRecord): void {
    if (record.type !== 'request' || typeof record.time !== 'string') return;
    const time = Date.parse(record.time);
    if (this.query.since && time < this.query.since.getTime()) return;
    if (this.query.until && time >= this.query.until.getTime()) return;
    const value = record[SPEND_GROUPS[this.query.by]];
    const group = typeof value === 'string' ? value : '(none)';
    let row = this.rows.get(group);
    if (!row) this.rows.set(group, (row = { group, requests: 0, inputTokens: 0, outputTokens: 0, totalTokens: 0, costUsd: 0 }));
    row.requests += 1;
    row.inputTokens += num(record.tokens?.input);
    row.outputTokens += num(record.tokens?.output);
    row.totalTokens += num(record.tokens?.total);
    row.costUsd += num(record.cost_usd);
  }

  report(): SpendReport {
    const rows = [...this.rows.values()].sort((a, b) => b.costUsd - a.costUsd || a.group.localeCompare(b.group));
    const total = { requests: 0, inputTokens: 0, outputTokens: 0, totalTokens: 0, costUsd: 0 };
    for (const row of rows) {
      total.requests += row.requests;
      total.inputTokens += row.inputTokens;
      total.outputTokens += row.outputTokens;
      total.totalTokens += row.totalTokens;
      total.costUsd += row.costUsd;
    }
    return { by: this.query.by, since: this.query.since?.toISOString() ?? null, until: this.query.until?.toISOString() ?? null, rows, total };
  }
}

/** Reads an audit log line by line (without holding it in memory) into a spend report. */
export async function spendFromAuditLog(path: string, query: SpendQuery): Promise<SpendReport> {
  const accumulator = new SpendAccumulator(query);
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line) continue;
    try {
      accumulator.add(JSON.parse(line) as RequestRecord);
    } catch {
      // a line that is not JSON is no spend (`aigw audit verify` reports it)
    }
  }
  return accumulator.report();
}

/** Parses `--since` / `--until`: an ISO date or time; throws a readable error otherwise. */
export function parseTime(value: string | undefined, name: string): Date | undefined {
  if (value === undefined) return undefined;
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) throw new Error(`${name}: not a date or time (use ISO 8601, e.g. 2026-12-01 or 2026-12-01T12:00:00Z)`);
  return time;
}

/** The report as a fixed-width table. */
export function renderSpend(report: SpendReport): string {
  const header = [report.by.padEnd(24), 'requests'.padStart(9), 'input'.padStart(12), 'output'.padStart(12), 'total'.padStart(12), 'cost USD'.padStart(14)].join(' ');
  const line = (name: string, row: Omit<SpendRow, 'group'>): string =>
    [name.padEnd(24), String(row.requests).padStart(9), String(row.inputTokens).padStart(12), String(row.outputTokens).padStart(12), String(row.totalTokens).padStart(12), row.costUsd.toFixed(6).padStart(14)].join(' ');
  return [header, ...report.rows.map((row) => line(row.group, row)), line('TOTAL', report.total)].join('\n');
}
