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
  /** io.aigw request_id, when aigw saw the request. */
  readonly requestId?: string;
}

interface Waiting {
  readonly complete: (end: EnvoyEnd | undefined) => void;
  readonly timer: NodeJS.Timeout;
}

interface Early {
  readonly end: EnvoyEnd;
  readonly at: number;
}

/** How long a request's processor waits for Envoy's word on its end before recording what it knows. */
const WAIT_MS = 5_000;
/** How long an entry that came before its processor closed is kept. */
const EARLY_MS = 5_000;

/**
 * Meets two late facts about one request: its router-level processor closed without seeing
 * how the request ended (Envoy answered it itself: a 503 for no healthy backend, a 429 from
 * the ratelimit filter, a 504; or the client left), and Envoy's access-log entry for it,
 * which says how. Whichever arrives second completes the record, so each request is
 * recorded once, with the status the client really got. A processor that hears nothing
 * within WAIT_MS records what it knows.
 */
export class EnvoyEnds {
  private readonly waiting = new Map<string, Waiting>();
  private readonly early = new Map<string, Early>();

  constructor(private readonly waitMs = WAIT_MS) {}

  /** A processor that closed unfinished waits for Envoy's entry (or the timeout: undefined). */
  await(requestId: string, complete: (end: EnvoyEnd | undefined) => void): void {
    const arrived = this.early.get(requestId);
    if (arrived) {
      this.early.delete(requestId);
      complete(arrived.end);
      return;
    }
    const timer = setTimeout(() => {
      this.waiting.delete(requestId);
      complete(undefined);
    }, this.waitMs);
    timer.unref();
    this.waiting.set(requestId, { complete, timer });
  }

  /**
   * An entry for a request aigw saw. True when a processor was waiting for it; otherwise it is
   * kept a little while in case its processor has not closed yet.
   */
  entry(end: EnvoyEnd & { readonly requestId: string }, now = Date.now()): boolean {
    const waiting = this.waiting.get(end.requestId);
    if (waiting) {
      clearTimeout(waiting.timer);
      this.waiting.delete(end.requestId);
      waiting.complete(end);
      return true;
    }
    this.forgetEarly(now);
    this.early.set(end.requestId, { end, at: now });
    return false;
  }

  /** Completes every waiting processor with what it knows (shutdown). */
  flush(): void {
    for (const [id, waiting] of this.waiting) {
      clearTimeout(waiting.timer);
      this.waiting.delete(id);
      waiting.complete(undefined);
    }
    this.early.clear();
  }

  get size(): number {
    return this.waiting.size + this.early.size;
  }

  private forgetEarly(now: number): void {
    for (const [id, early] of this.early) {
      if (now - early.at <= EARLY_MS) break; // insertion order: the rest are newer
      this.early.delete(id);
    }
  }
}
