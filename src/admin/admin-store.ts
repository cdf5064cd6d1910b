import type { AdminSnapshot, RecordKind } from './admin-state';
import { EMPTY_SNAPSHOT, buildSnapshot, emptyRaw } from './admin-state';

/**
 * Where admin changes live. `current()` is synchronous (the request path reads it for every
 * request); `put` resolves once the change is stored and visible in this instance's
 * snapshot, so the next request here already sees it.
 */
export interface AdminStore {
  readonly storage: 'memory' | 'redis';
  current(): AdminSnapshot;
  /** Stores one record (JSON-serialisable). */
  put(kind: RecordKind, id: string, value: object): Promise<void>;
  /** Removes one record (a no-op when absent). */
  remove(kind: RecordKind, id: string): Promise<void>;
  /** Connects and loads (never throws for an unreachable store: it keeps trying). */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Thrown when the store cannot take a change right now (the admin API answers 503). */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}

/** Records in this process only: one instance, lost on restart. */
export class MemoryAdminStore implements AdminStore {
  readonly storage = 'memory';
  private readonly raw = emptyRaw();
  private snapshot: AdminSnapshot = EMPTY_SNAPSHOT;

  current(): AdminSnapshot {
    return this.snapshot;
  }

  async put(kind: RecordKind, id: string, value: object): Promise<void> {
    this.raw[kind].set(id, JSON.stringify(value));
    this.snapshot = buildSnapshot(this.raw);
  }

  async remove(kind: RecordKind, id: string): Promise<void> {
    this.raw[kind].delete(id);
    this.snapshot = buildSnapshot(this.raw);
  }

  async start(): Promise<void> {}

  async close(): Promise<void> {}
}
