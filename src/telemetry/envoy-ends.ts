/**
 * How Envoy says a request ended, from its access-log service entry (access-log-service.ts):
 * the status the client got, Envoy's response flags (UF, UH, UT, RL, …) and details.
 */
export interface EnvoyEnd {
  readonly status: number;
  /** Envoy's short response flags, comma-separated ('' when none). */
  readonly flags: string;
  readonly details: string;
  readonly method: string;
  readonly path: string;
  /** io.aigw request_id: set once aigw's answer on the request body reached Envoy. */
  readonly requestId?: string;
  /** Envoy's own request id (x-request-id), which aigw also reads from the first message. */
  readonly envoyRequestId?: string;
}

/** What a router processor knows of its request when its stream closes. */
export interface ClosedRequest {
  /** Envoy's x-request-id, when the processor got a message. */
  readonly envoyRequestId?: string;
  /** aigw's id, once it began admitting the request (without it, Envoy's entry is the record). */
  readonly requestId?: string;
  /** Whether aigw recorded the request itself. */
  readonly recorded: boolean;
}

interface Waiting {
  readonly complete: (end: EnvoyEnd | undefined) => void;
  readonly timer: NodeJS.Timeout;
  readonly envoyRequestId?: string;
}

interface Early {
  readonly end: EnvoyEnd;
  readonly at: number;
}

/** How long a request's processor waits for Envoy's word on its end before recording what it knows. */
const WAIT_MS = 5_000;
/** How long an entry that came before its processor closed is kept. */
const EARLY_MS = 5_000;

/** Early entries without aigw's id are kept under Envoy's, apart from aigw's ids. */
const envoyKey = (envoyRequestId: string): string => `envoy:${envoyRequestId}`;

/**
 * Meets two late facts about one request: its router-level processor closed without seeing
 * how the request ended (Envoy answered it itself: a 503 for no healthy backend, a 429 from
 * the ratelimit filter, a 504; or the client left), and Envoy's access-log entry for it,
 * which says how. Whichever arrives second completes the record, so each request is
 * recorded once, with the status the client really got. A processor that hears nothing
 * within WAIT_MS records what it knows.
 *
 * An entry names aigw's request id only if aigw's answer on the request body reached Envoy.
 * A request Envoy ended while aigw was still admitting it (an idle timeout during a slow
 * guardrail webhook, a client that left) has only Envoy's x-request-id, which aigw read too:
 * it is matched on that. Entries no processor claims (Envoy's refusal routes, requests aigw
 * never got a message for) go to `unclaimed`, to be recorded as Envoy's answers.
 */
export class EnvoyEnds {
  /** Closed processors waiting, by aigw's request id. */
  private readonly waiting = new Map<string, Waiting>();
  /** The same, by Envoy's request id. */
  private readonly waitingByEnvoyId = new Map<string, string>();
  private readonly early = new Map<string, Early>();
  /** Envoy's ids of requests whose processor is still open (a count: clients may reuse ids). */
  private readonly open = new Map<string, number>();
  /** Envoy's ids of requests aigw recorded itself, and when: an entry for one is not recorded again. */
  private readonly recorded = new Map<string, number>();

  constructor(
    private readonly unclaimed: (end: EnvoyEnd) => void = () => undefined,
    private readonly waitMs = WAIT_MS,
  ) {}

  /** A router processor got the first message of the request Envoy calls `envoyRequestId`. */
  opened(envoyRequestId: string): void {
    this.open.set(envoyRequestId, (this.open.get(envoyRequestId) ?? 0) + 1);
  }

  /**
   * A router processor's stream closed. Unless it recorded the request or never began admitting
   * it, `complete` gets Envoy's entry for it (or undefined after waitMs).
   */
  closed(request: ClosedRequest, complete?: (end: EnvoyEnd | undefined) => void, now = Date.now()): void {
    // Pruned here too: with every request recorded by aigw, no entry ever comes to prune them.
    this.forget(now);
    const envoyId = request.envoyRequestId;
    if (envoyId !== undefined) this.release(envoyId);
    if (request.recorded) {
      if (envoyId !== undefined) this.recorded.set(envoyId, now);
      return;
    }
    const early = this.take(request.requestId) ?? (envoyId === undefined ? undefined : this.take(envoyKey(envoyId)));
    if (request.requestId === undefined || !complete) {
      if (early) this.unclaimed(early);
      return;
    }
    if (early) return complete(early);
    const requestId = request.requestId;
    const timer = setTimeout(() => this.finish(requestId, undefined), this.waitMs);
    timer.unref();
    this.waiting.set(requestId, { complete, timer, envoyRequestId: envoyId });
    if (envoyId !== undefined) this.waitingByEnvoyId.set(envoyId, requestId);
  }

  /** An access-log entry: completes its processor's record, waits for its processor, or is Envoy's alone. */
  entry(end: EnvoyEnd, now = Date.now()): void {
    this.forget(now);
    const envoyId = end.envoyRequestId;
    const waiter = end.requestId ?? (envoyId === undefined ? undefined : this.waitingByEnvoyId.get(envoyId));
    if (waiter !== undefined && this.finish(waiter, end)) return;
    if (end.requestId !== undefined) {
      // Its processor has not closed yet (or recorded the request itself: then this expires).
      this.early.set(end.requestId, { end, at: now });
    } else if (envoyId !== undefined && this.open.has(envoyId)) {
      this.early.set(envoyKey(envoyId), { end, at: now });
    } else if (envoyId === undefined || !this.recorded.has(envoyId)) {
      this.unclaimed(end);
    }
  }

  /** Completes every waiting processor with what it knows, and records unclaimed entries (shutdown). */
  flush(): void {
    for (const id of [...this.waiting.keys()]) this.finish(id, undefined);
    for (const [key, early] of this.early) if (key.startsWith('envoy:')) this.unclaimed(early.end);
    this.early.clear();
    this.recorded.clear();
  }

  get size(): number {
    return this.waiting.size + this.early.size;
  }

  private finish(requestId: string, end: EnvoyEnd | undefined): boolean {
    const waiting = this.waiting.get(requestId);
    if (!waiting) return false;
    clearTimeout(waiting.timer);
    this.waiting.delete(requestId);
    if (waiting.envoyRequestId !== undefined && this.waitingByEnvoyId.get(waiting.envoyRequestId) === requestId) this.waitingByEnvoyId.delete(waiting.envoyRequestId);
    waiting.complete(end);
    return true;
  }

  private take(key: string | undefined): EnvoyEnd | undefined {
    const early = key === undefined ? undefined : this.early.get(key);
    if (early && key !== undefined) this.early.delete(key);
    return early?.end;
  }

  private release(envoyRequestId: string): void {
    const count = (this.open.get(envoyRequestId) ?? 0) - 1;
    if (count > 0) this.open.set(envoyRequestId, count);
    else this.open.delete(envoyRequestId);
  }

  private forget(now: number): void {
    for (const [key, early] of this.early) {
      if (now - early.at <= EARLY_MS) break; // insertion order: the rest are newer
      this.early.delete(key);
      // Kept for a processor that never claimed it: still a request to record.
      if (key.startsWith('envoy:')) this.unclaimed(early.end);
    }
    for (const [id, at] of this.recorded) {
      if (now - at <= EARLY_MS) break;
      this.recorded.delete(id);
    }
  }
}
