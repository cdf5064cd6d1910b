import { createHash } from 'node:crypto';

/**
 * Tool pinning: the first definition seen of each tool (description + input schema) is
 * trusted and its hash kept; a later, different definition is a change, flagged once per new
 * hash and, under `enforce`, hidden until an operator approves it. This defends against a
 * server swapping a tool's description after it was reviewed.
 */

/** JSON with object keys sorted at every level, so equal definitions hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** sha256 (hex) over the canonical JSON of what the model reads: the description and the input schema. */
export function toolDefinitionHash(tool: { description?: string; inputSchema: unknown }): string {
  return createHash('sha256')
    .update(canonicalJson({ description: tool.description ?? '', inputSchema: tool.inputSchema }))
    .digest('hex');
}

/** One tool's pin: the approved hash and, when the server now shows something else, that hash. */
export interface PinRecord {
  readonly approved: string;
  readonly pending?: string;
}

/**
 * Where pins live: in this process (MemoryPinStore), or in Redis shared by a fleet
 * (RedisPinStore, when rateLimits.store is redis), so a change is flagged once and one
 * approval counts on every replica.
 */
export interface PinStore {
  /** Every pin of one server, by the server's own tool name. */
  load(server: string): Promise<ReadonlyMap<string, PinRecord>>;
  get(server: string, tool: string): Promise<PinRecord | undefined>;
  /** Stores `record` unless the tool has a pin already; returns the pin now stored. */
  pinIfAbsent(server: string, tool: string, record: PinRecord): Promise<PinRecord>;
  set(server: string, tool: string, record: PinRecord): Promise<void>;
  close(): Promise<void>;
}

/** The in-process pin store. */
export class MemoryPinStore implements PinStore {
  readonly #records = new Map<string, Map<string, PinRecord>>();

  async load(server: string): Promise<ReadonlyMap<string, PinRecord>> {
    return new Map(this.#records.get(server));
  }

  async get(server: string, tool: string): Promise<PinRecord | undefined> {
    return this.#records.get(server)?.get(tool);
  }

  async pinIfAbsent(server: string, tool: string, record: PinRecord): Promise<PinRecord> {
    const existing = this.#records.get(server)?.get(tool);
    if (existing) return existing;
    await this.set(server, tool, record);
    return record;
  }

  async set(server: string, tool: string, record: PinRecord): Promise<void> {
    const tools = this.#records.get(server) ?? new Map<string, PinRecord>();
    tools.set(tool, record);
    this.#records.set(server, tools);
  }

  async close(): Promise<void> {}
}

/** What observing a tool found. */
export type PinVerdict = 'pinned' | 'first-seen' | 'changed' | 'still-changed';

/** The verdict on a definition against its pin, and the pin to store (undefined: leave it). */
export function judge(record: PinRecord | undefined, hash: string): { verdict: PinVerdict; next?: PinRecord } {
  if (!record) return { verdict: 'first-seen', next: { approved: hash } };
  if (record.approved === hash) return record.pending === undefined ? { verdict: 'pinned' } : { verdict: 'pinned', next: { approved: hash } }; // the server went back
  if (record.pending === hash) return { verdict: 'still-changed' };
  return { verdict: 'changed', next: { approved: record.approved, pending: hash } };
}

/** Pins of one gateway, keyed by server and the server's own tool name. */
export class ToolPins {
  constructor(
    readonly mode: 'off' | 'warn' | 'enforce',
    readonly store: PinStore = new MemoryPinStore(),
  ) {}

  /**
   * Records the definitions one server shows in a tools/list (one read of its pins). `changed`
   * comes once per new hash, fleet-wide with a shared store (the caller flags it); `hidden`
   * is true for a tool enforce mode keeps from callers.
   */
  async observe(server: string, tools: ReadonlyArray<{ name: string; hash: string }>): Promise<Map<string, { verdict: PinVerdict; hidden: boolean }>> {
    const verdicts = new Map<string, { verdict: PinVerdict; hidden: boolean }>();
    if (this.mode === 'off') {
      for (const tool of tools) verdicts.set(tool.name, { verdict: 'pinned', hidden: false });
      return verdicts;
    }
    const pins = await this.store.load(server);
    for (const tool of tools) {
      let { verdict, next } = judge(pins.get(tool.name), tool.hash);
      if (verdict === 'first-seen' && next) {
        // Another replica may have pinned it meanwhile: judge against what is stored now.
        const stored = await this.store.pinIfAbsent(server, tool.name, next);
        if (stored.approved !== tool.hash) ({ verdict, next } = judge(stored, tool.hash));
        else next = undefined;
      }
      if (next) await this.store.set(server, tool.name, next);
      const pending = verdict === 'changed' || verdict === 'still-changed';
      verdicts.set(tool.name, { verdict, hidden: this.mode === 'enforce' && pending });
    }
    return verdicts;
  }

  /** Whether a call to the tool is refused: enforce mode with a change not yet approved. */
  async blocked(server: string, tool: string): Promise<boolean> {
    if (this.mode !== 'enforce') return false;
    return (await this.store.get(server, tool))?.pending !== undefined;
  }

  /**
   * Approves the pending definition (only if it is `hash`, when given, so an approval cannot
   * cover a definition the operator has not seen). Returns the newly approved hash, or why not.
   */
  async approve(server: string, tool: string, hash?: string): Promise<{ approved: string } | { problem: string }> {
    const record = await this.store.get(server, tool);
    if (!record) return { problem: 'no such tool has been seen' };
    if (record.pending === undefined) return { problem: 'nothing to approve: the tool has not changed' };
    if (hash !== undefined && hash !== record.pending) return { problem: `the pending definition is sha256 ${record.pending}, not ${hash}` };
    await this.store.set(server, tool, { approved: record.pending });
    return { approved: record.pending };
  }
}
