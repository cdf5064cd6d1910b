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
 * Where pins live. In memory today (per aigw process: each replica pins on first sight and
 * needs its own approval); the interface is what a Redis store would implement.
 */
export interface PinStore {
  get(key: string): PinRecord | undefined;
  set(key: string, record: PinRecord): void;
}

/** The in-process pin store. */
export class MemoryPinStore implements PinStore {
  readonly #records = new Map<string, PinRecord>();

  get(key: string): PinRecord | undefined {
    return this.#records.get(key);
  }

  set(key: string, record: PinRecord): void {
    this.#records.set(key, record);
  }
}

/** What observing a tool found. */
export type PinVerdict = 'pinned' | 'first-seen' | 'changed' | 'still-changed';

/** Pins of one gateway, keyed by server and the server's own tool name. */
export class ToolPins {
  constructor(
    readonly mode: 'off' | 'warn' | 'enforce',
    private readonly store: PinStore = new MemoryPinStore(),
  ) {}

  /**
   * Records a definition seen in a tools/list. `changed` is returned once per new hash (the
   * caller flags it); `still-changed` for a change already flagged.
   */
  observe(server: string, tool: string, hash: string): PinVerdict {
    if (this.mode === 'off') return 'pinned';
    const key = pinKey(server, tool);
    const record = this.store.get(key);
    if (!record) {
      this.store.set(key, { approved: hash });
      return 'first-seen';
    }
    if (record.approved === hash) {
      if (record.pending !== undefined) this.store.set(key, { approved: hash }); // the server went back
      return 'pinned';
    }
    if (record.pending === hash) return 'still-changed';
    this.store.set(key, { approved: record.approved, pending: hash });
    return 'changed';
  }

  /** Whether the tool is hidden and refused: enforce mode with a change not yet approved. */
  blocked(server: string, tool: string): boolean {
    return this.mode === 'enforce' && this.store.get(pinKey(server, tool))?.pending !== undefined;
  }

  /**
   * Approves the pending definition (only if it is `hash`, when given, so an approval cannot
   * cover a definition the operator has not seen). Returns the newly approved hash, or why not.
   */
  approve(server: string, tool: string, hash?: string): { approved: string } | { problem: string } {
    const key = pinKey(server, tool);
    const record = this.store.get(key);
    if (!record) return { problem: 'no such tool has been seen' };
    if (record.pending === undefined) return { problem: 'nothing to approve: the tool has not changed' };
    if (hash !== undefined && hash !== record.pending) return { problem: `the pending definition is sha256 ${record.pending}, not ${hash}` };
    this.store.set(key, { approved: record.pending });
    return { approved: record.pending };
  }
}

function pinKey(server: string, tool: string): string {
  return `${server}\u0000${tool}`;
}
