/** What a queued store command is for (a metric label). */
export type RetryOperation = 'release' | 'settle';

/** How a queued command fared (a metric label). */
export type RetryResult = 'queued' | 'succeeded' | 'retried' | 'expired' | 'dropped';

/** A store command to run until it succeeds or its deadline passes. */
export interface RetryTask {
  readonly operation: RetryOperation;
  /** After this time (ms) the command is pointless (the reservation's record has expired). */
  readonly deadline: number;
  /** The command; it must be safe to run more than once (a reservation's record makes it so). */
  run(): Promise<unknown>;
  /** Called once when the command is given up (deadline, full queue, shutdown). */
  onGiveUp?(): void;
}

/** Options of a RetryQueue. */
export interface RetryQueueOptions {
  /** Most commands waiting at once; more are dropped (and counted). */
  readonly capacity: number;
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
  /** Every state change, for metrics. */
  counted(operation: RetryOperation, result: RetryResult): void;
}

/**
 * Store commands that must happen (a release of a reservation aigw gave up on, a settlement
 * that timed out), retried with exponential backoff and jitter until one attempt is answered.
 * Bounded, so an outage costs at most `capacity` pending commands of memory.
 */
export class RetryQueue {
  private readonly timers = new Map<NodeJS.Timeout, RetryTask>();
  private running = 0;
  private closed = false;

  constructor(private readonly options: RetryQueueOptions) {}

  /** Commands waiting or running. */
  get size(): number {
    return this.timers.size + this.running;
  }

  /** Runs `task` after `delayMs` (0: now), then again while it fails; false when it was dropped. */
  add(task: RetryTask, delayMs = 0): boolean {
    if (this.closed || this.size >= this.options.capacity) {
      this.options.counted(task.operation, 'dropped');
      task.onGiveUp?.();
      return false;
    }
    this.options.counted(task.operation, 'queued');
    if (delayMs === 0) this.attempt(task, 0);
    else this.schedule(task, 0, delayMs);
    return true;
  }

  /** Stops retrying: whatever is still waiting is given up. */
  close(): void {
    this.closed = true;
    for (const [timer, task] of this.timers) {
      clearTimeout(timer);
      this.options.counted(task.operation, 'dropped');
      task.onGiveUp?.();
    }
    this.timers.clear();
  }

  private attempt(task: RetryTask, failures: number): void {
    this.running += 1;
    task.run().then(
      () => {
        this.running -= 1;
        this.options.counted(task.operation, 'succeeded');
      },
      () => {
        this.running -= 1;
        const delay = Math.min(this.options.maxDelayMs, this.options.firstDelayMs * 2 ** failures);
        // Jitter spreads a fleet's retries after an outage instead of landing them at once.
        const jittered = delay / 2 + Math.random() * (delay / 2);
        if (this.closed || Date.now() + jittered > task.deadline) {
          this.options.counted(task.operation, this.closed ? 'dropped' : 'expired');
          task.onGiveUp?.();
          return;
        }
        this.options.counted(task.operation, 'retried');
        this.schedule(task, failures + 1, jittered);
      },
    );
  }

  private schedule(task: RetryTask, failures: number, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.attempt(task, failures);
    }, delayMs);
    // Pending retries never keep a stopping process alive.
    timer.unref();
    this.timers.set(timer, task);
  }
}
