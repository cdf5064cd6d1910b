import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GENESIS, chainLine, verifyChain } from './audit-chain';
import type { ChainHead } from './audit-chain';
import { AuditLog, headPath } from './audit-log';
import { silentLogger } from './logger';

function chain(records: Array<Record<string, unknown>>): { text: string; head: ChainHead } {
  let head: ChainHead = { seq: 0, hash: GENESIS };
  const lines: string[] = [];
  for (const record of records) {
    const chained = chainLine(record, head);
    lines.push(chained.line);
    head = chained.head;
  }
  return { text: `${lines.join('\n')}\n`, head };
}

const RECORDS = [1, 2, 3, 4].map((n) => ({ type: 'request', request_id: `r${n}`, cost_usd: n / 100, tokens: { input: n, output: 2 * n } }));

describe('audit chain', () => {
  it('verifies a clean log and its head', () => {
    const { text, head } = chain(RECORDS);
    expect(verifyChain(text, head)).toEqual({ ok: true, lines: 4, head });
    expect(JSON.parse(text.split('\n')[0])).toEqual({ seq: 1, ...RECORDS[0], prev: GENESIS, hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('finds an edited line', () => {
    const { text, head } = chain(RECORDS);
    const edited = text.replace('"cost_usd":0.03', '"cost_usd":0.003');
    expect(verifyChain(edited, head)).toEqual({ ok: false, line: 3, reason: 'the line was changed (its hash does not match)' });
  });

  it('finds a deleted line, an inserted line, swapped lines and a cut tail', () => {
    const { text, head } = chain(RECORDS);
    const lines = text.trimEnd().split('\n');
    const join = (parts: string[]): string => `${parts.join('\n')}\n`;
    expect(verifyChain(join([lines[0], lines[2], lines[3]]), head)).toMatchObject({ ok: false, line: 2 });
    const forged = chainLine({ type: 'request', request_id: 'forged' }, { seq: 1, hash: GENESIS }).line;
    expect(verifyChain(join([lines[0], forged, ...lines.slice(1)]), head)).toMatchObject({ ok: false, line: 2 });
    expect(verifyChain(join([lines[1], lines[0], lines[2], lines[3]]), head)).toMatchObject({ ok: false, line: 1 });
    expect(verifyChain(join(lines.slice(0, 3)), head)).toEqual({ ok: false, line: 4, reason: 'the log ends at line 3 but 4 were written (lines were removed from the end)' });
    // Without the head file, a cut tail is still a valid (shorter) chain.
    expect(verifyChain(join(lines.slice(0, 3)))).toMatchObject({ ok: true, lines: 3 });
  });
});

describe('AuditLog', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'aigw-audit-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes records in order off the caller path, continues the chain after a restart, and keeps the head', async () => {
    const path = join(dir, 'audit.jsonl');
    const counts = { written: 0, failed: 0 };
    const counters = { written: (n: number) => (counts.written += n), failed: () => (counts.failed += 1) };
    const first = await AuditLog.open(path, silentLogger, counters);
    first.write(RECORDS[0]);
    first.write(RECORDS[1]);
    expect(existsSync(path) ? readFileSync(path, 'utf8') : '').toBe(''); // queued, not written in the caller's turn
    await first.close();
    const second = await AuditLog.open(path, silentLogger, counters);
    second.write(RECORDS[2]);
    await second.close();
    const head = JSON.parse(readFileSync(headPath(path), 'utf8')) as ChainHead;
    expect(verifyChain(readFileSync(path, 'utf8'), head)).toMatchObject({ ok: true, lines: 3 });
    expect(counts).toEqual({ written: 3, failed: 0 });
  });

  it('cuts an unfinished last line left by a crash before continuing', async () => {
    const path = join(dir, 'audit.jsonl');
    const { text } = chain(RECORDS.slice(0, 2));
    writeFileSync(path, `${text}{"seq":3,"type":"req`);
    const log = await AuditLog.open(path, silentLogger, { written: () => undefined, failed: () => undefined });
    log.write(RECORDS[2]);
    await log.close();
    expect(verifyChain(readFileSync(path, 'utf8'))).toMatchObject({ ok: true, lines: 3 });
  });

  it('a write error is counted, not thrown, and the chain stays whole', async () => {
    const path = join(dir, 'audit.jsonl');
    const failures: string[] = [];
    const log = await AuditLog.open(path, silentLogger, { written: () => undefined, failed: (reason) => failures.push(reason) });
    log.write(RECORDS[0]);
    await log.flush();
    // Simulate a full disk: the file handle's write starts failing.
    const handle = (log as unknown as { file: { write: () => Promise<never> } }).file;
    const write = handle.write;
    handle.write = () => Promise.reject(new Error('ENOSPC: no space left on device'));
    log.write(RECORDS[1]);
    await log.flush();
    handle.write = write;
    log.write(RECORDS[2]);
    await log.close();
    expect(failures).toEqual(['write']);
    const text = readFileSync(path, 'utf8');
    expect(verifyChain(text, JSON.parse(readFileSync(headPath(path), 'utf8')) as ChainHead)).toMatchObject({ ok: true, lines: 2 });
    expect(text).not.toContain('"request_id":"r2"');
  });

  it('a full queue drops records and counts them', async () => {
    const path = join(dir, 'audit.jsonl');
    const failures: string[] = [];
    const log = await AuditLog.open(path, silentLogger, { written: () => undefined, failed: (reason) => failures.push(reason) }, 2);
    log.write(RECORDS[0]);
    log.write(RECORDS[1]);
    log.write(RECORDS[2]);
    await log.close();
    expect(failures).toEqual(['queue_full']);
    expect(verifyChain(readFileSync(path, 'utf8'))).toMatchObject({ ok: true, lines: 2 });
  });
});
