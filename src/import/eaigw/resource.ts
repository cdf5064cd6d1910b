/**
 * A Kubernetes resource being imported, read field by field: every field the importer reads
 * or explains is marked, so whatever is left at the end can be named as not carried over.
 */

/** A field that is not carried into the aigw config, and why. */
export interface ImportNote {
  /** `Kind namespace/name`. */
  readonly resource: string;
  /** Dotted path inside the resource, e.g. `spec.rules[0].timeouts.backendRequest`. */
  readonly field: string;
  readonly reason: string;
}

/** One line per note, as printed on stderr and as comments in the output. */
export function formatNote(note: ImportNote): string {
  // One line each: a reason may quote a multi-line message (a CEL error).
  const reason = note.reason.replace(/\s+/g, ' ');
  return note.field === '' ? `${note.resource}: ${reason}` : `${note.resource} ${note.field}: ${reason}`;
}

type Json = unknown;

/** The object at `value`, or undefined when it is not a plain object. */
export function asObject(value: Json): Record<string, Json> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, Json>) : undefined;
}

/** The list at `value` (an absent or wrong value is an empty list). */
export function asList(value: Json): Json[] {
  return Array.isArray(value) ? value : [];
}

/** Metadata fields that are Kubernetes bookkeeping, not configuration: never reported. */
const BOOKKEEPING = /^(metadata\.(?!name$|namespace$)|status(\.|$)|apiVersion$|kind$)/;

/** Reads one resource and remembers which of its fields were read or explained. */
export class ResourceReader {
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  private readonly used = new Set<string>();

  constructor(
    readonly body: Record<string, Json>,
    private readonly notes: ImportNote[],
  ) {
    const metadata = asObject(body.metadata) ?? {};
    this.kind = typeof body.kind === 'string' ? body.kind : 'Unknown';
    this.name = typeof metadata.name === 'string' ? metadata.name : '';
    this.namespace = typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : 'default';
    this.used.add('metadata.name').add('metadata.namespace');
  }

  /** `Kind namespace/name`, as notes name it. */
  get label(): string {
    return `${this.kind} ${this.namespace}/${this.name}`;
  }

  /** The value at a dotted path (`spec.rules[0].name`) without marking it read. */
  peek(path: string): Json {
    let current: Json = this.body;
    for (const step of steps(path)) {
      if (typeof step === 'number') current = Array.isArray(current) ? current[step] : undefined;
      else current = asObject(current)?.[step];
    }
    return current;
  }

  /** The value at `path`, marked read (with everything below it). */
  take(path: string): Json {
    this.used.add(path);
    return this.peek(path);
  }

  /** A string at `path` (marked read), or undefined. */
  string(path: string): string | undefined {
    const value = this.take(path);
    return typeof value === 'string' ? value : undefined;
  }

  /** A number at `path` (marked read), or undefined. */
  number(path: string): number | undefined {
    const value = this.take(path);
    return typeof value === 'number' ? value : undefined;
  }

  /** Notes `path` as not carried over (when it is set), with the reason. */
  skip(path: string, reason: string): void {
    const value = this.take(path);
    if (value === undefined || value === null) return;
    this.notes.push({ resource: this.label, field: path, reason });
  }

  /** A note about the resource as a whole, or about a field already read. */
  note(path: string, reason: string): void {
    this.used.add(path);
    this.notes.push({ resource: this.label, field: path, reason });
  }

  /** Notes every set field nothing read or explained: the importer does not know it. */
  reportUnread(): void {
    for (const path of leafPaths(this.body, '')) {
      if (BOOKKEEPING.test(path) || this.isUsed(path)) continue;
      this.notes.push({ resource: this.label, field: path, reason: 'not carried over: a field this importer does not know (not in the Envoy AI Gateway v1beta1 API it reads)' });
    }
  }

  private isUsed(path: string): boolean {
    for (let prefix = path; prefix !== ''; prefix = parent(prefix)) {
      if (this.used.has(prefix)) return true;
    }
    return false;
  }
}

function steps(path: string): Array<string | number> {
  const result: Array<string | number> = [];
  for (const part of path.split('.')) {
    const match = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!match) continue;
    if (match[1] !== '') result.push(match[1]);
    for (const index of match[2].matchAll(/\[(\d+)\]/g)) result.push(Number(index[1]));
  }
  return result;
}

/** `a.b[2]` → `a.b`, `a.b` → `a`, `a` → ''. */
function parent(path: string): string {
  if (path.endsWith(']')) return path.slice(0, path.lastIndexOf('['));
  const dot = path.lastIndexOf('.');
  return dot < 0 ? '' : path.slice(0, dot);
}

/** Paths of every set leaf (an empty object or list counts as a leaf). */
function leafPaths(value: Json, path: string): string[] {
  if (Array.isArray(value)) {
    return value.length === 0 ? [path] : value.flatMap((item, index) => leafPaths(item, `${path}[${index}]`));
  }
  const object = asObject(value);
  if (object) {
    const keys = Object.keys(object);
    if (keys.length === 0) return path === '' ? [] : [path];
    return keys.flatMap((key) => leafPaths(object[key], path === '' ? key : `${path}.${key}`));
  }
  return value === null || value === undefined ? [] : [path];
}
