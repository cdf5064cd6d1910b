import { closeSync, existsSync, openSync, readSync, fstatSync, ftruncateSync } from 'node:fs';
import { open, rename, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { chainLine, headOf } from './audit-chain';
import type { AuditFields, ChainHead } from './audit-chain';
import type { Logger } from './logger';

/** What the audit log reports about itself (metrics). */
export interface AuditCounters {
  written(lines: number): void;
  failed(reason: 'write' | 'queue_full'): void;
}

/** The head file beside a log: where the chain ended after the last batch. */
export function headPath(logPath: string): string {
  return `${logPath}.head`;
}

/** The last complete line of a file and the length up to its end (a crash can leave half a line). */
function lastLine(path: string): { line?: string; completeBytes: number; size: number } {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, 1024 * 1024);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const text = buffer.toString('utf8');
    const end = text.lastIndexOf('\n');
    if (end === -1) return { completeBytes: size === length ? 0 : size, size };
    const start = text.lastIndexOf('\n', end - 1) + 1;
    return { line: text.slice(start, end), completeBytes: size - length + Buffer.byteLength(text.slice(0, end + 1)), size };
  } finally {
    closeSync(fd);
  }
}

/**
 * The audit log: one JSON line per request and per admin change, hash-chained (see
 * audit-chain.ts). Writing never blocks the request path: records are queued and written in
 * batches; a failed write (a full disk) is counted and logged, the batch's lines are taken
 * back so the chain stays whole, and the gateway keeps serving.
 */
export class AuditLog {
  private queue: AuditFields[] = [];
  private writing: Promise<void> | undefined;
  private lastErrorLog = 0;

  private constructor(
    private readonly path: string,
    private readonly file: FileHandle,
    private head: ChainHead,
    private size: number,
    private readonly logger: Logger,
    private readonly counters: AuditCounters,
    private readonly maxQueue: number,
  ) {}

  /** Opens (or creates) the log and continues its chain. */
  static async open(path: string, logger: Logger, counters: AuditCounters, maxQueue = 10_000): Promise<AuditLog> {
    let head = headOf(undefined);
    let size = 0;
    if (existsSync(path)) {
      const tail = lastLine(path);
      if (tail.completeBytes < tail.size) {
        logger.warn('audit log ended in an unfinished line; it was cut off', { path, bytes: tail.size - tail.completeBytes });
        const fd = openSync(path, 'r+');
        ftruncateSync(fd, tail.completeBytes);
        closeSync(fd);
      }
      head = headOf(tail.line);
      size = tail.completeBytes;
    }
    const file = await open(path, 'a');
    return new AuditLog(path, file, head, size, logger, counters, maxQueue);
  }

  /** Queues one record; returns at once. */
  write(fields: AuditFields): void {
    if (this.queue.length >= this.maxQueue) {
      this.counters.failed('queue_full');
      return;
    }
    this.queue.push(fields);
    this.writing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.drain());
  }

  /** Resolves once everything queued so far is written (or failed). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  async close(): Promise<void> {
    await this.flush();
    await this.file.close();
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      let head = this.head;
      const lines: string[] = [];
      for (const fields of batch) {
        const chained = chainLine(fields, head);
        lines.push(chained.line);
        head = chained.head;
      }
      const bytes = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
      try {
        await this.file.write(bytes);
        this.size += bytes.length;
        this.head = head;
        await this.writeHead();
        this.counters.written(lines.length);
      } catch (error) {
        this.counters.failed('write');
        // Take back whatever part of the batch reached the file, so the chain has no half line.
        await this.file.truncate(this.size).catch(() => undefined);
        if (Date.now() - this.lastErrorLog > 10_000) {
          this.lastErrorLog = Date.now();
          this.logger.error('audit log write failed; records dropped', { path: this.path, records: batch.length, error: (error as Error).message });
        }
      }
    }
    this.writing = undefined;
  }

  private async writeHead(): Promise<void> {
    const target = headPath(this.path);
    const temporary = `${target}.tmp`;
    try {
      await writeFile(temporary, `${JSON.stringify(this.head)}\n`);
      await rename(temporary, target);
    } catch {
      // The head only helps detect a cut tail; the log itself is written.
    }
  }
}
