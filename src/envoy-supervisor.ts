import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EnvoyAdmin } from './envoy-admin';
import { describeExit, spawnGuarded } from './envoy-guardian';

/** How `aigw up` runs its Envoy. */
export interface EnvoySupervisorOptions {
  binary: string;
  /** Where bootstraps and admin address files are written. */
  dir: string;
  /**
   * Called when the current Envoy exits on its own (not in a hot restart, a drain or a stop),
   * with "exit code N" or "killed by SIGNAME".
   */
  onUnexpectedExit: (how: string) => void;
  /** How long an Envoy replaced by a hot restart drains its connections (default 5). */
  hotRestartDrainSeconds?: number;
}

/**
 * Runs Envoy for `aigw up` and hot-restarts it when the rendered bootstrap changes: the new
 * Envoy (restart epoch n+1, same base id) takes the listening sockets from the old one, which
 * drains its connections and exits. Clients see no refused connection. Each Envoy runs under
 * a guardian (envoy-guardian.ts) so that it dies with aigw, even with a SIGKILL.
 */
export class EnvoySupervisor {
  private child: ChildProcess | undefined;
  /** The current Envoy, and any a hot restart replaced that is still draining. */
  private readonly running = new Set<ChildProcess>();
  private epoch = -1;
  private stopping = false;
  /** Envoy's hot-restart domain: unique per aigw process so two `aigw up` never meet. */
  private readonly baseId = process.pid % 1_000_000;

  constructor(private readonly options: EnvoySupervisorOptions) {}

  /** Starts Envoy on a bootstrap (epoch 0), or hot-restarts into a new one. */
  run(bootstrapYaml: string): void {
    this.epoch += 1;
    const path = join(this.options.dir, `envoy-${this.epoch}.yaml`);
    writeFileSync(path, bootstrapYaml);
    const drainSeconds = this.options.hotRestartDrainSeconds ?? 5;
    const args = ['-c', path, '--log-level', 'warn', '--base-id', String(this.baseId), '--restart-epoch', String(this.epoch), '--file-flush-interval-msec', '1000'];
    // The bound admin address (the real port when the config says 0), for draining at shutdown.
    args.push('--admin-address-path', this.adminAddressPath());
    // Immediate: once draining, every connection is told to close on its next response (see EnvoyAdmin.stopAccepting).
    args.push('--drain-time-s', String(drainSeconds), '--drain-strategy', 'immediate', '--parent-shutdown-time-s', String(drainSeconds + 5));
    const child = spawnGuarded(this.options.binary, args);
    this.child = child;
    this.running.add(child);
    // 'error' when the guardian could not be spawned (no /bin/sh, no process slot); 'exit' may follow it or not.
    let ended = false;
    const end = (how: string): void => {
      if (ended) return;
      ended = true;
      this.running.delete(child);
      child.stdin?.destroy();
      if (!this.stopping && this.child === child) this.options.onUnexpectedExit(how);
    };
    child.once('error', (error) => end(`not started: ${error.message}`));
    child.once('exit', (code, signal) => end(describeExit(code, signal)));
  }

  /** The current Envoy's restart epoch (0 at start, one more per hot restart). */
  get restartEpoch(): number {
    return this.epoch;
  }

  /**
   * The first half of a graceful stop: the current Envoy takes no new connection, while the
   * requests it serves go on (aigw must keep serving them). An Envoy exiting from here on is
   * expected. Throws when Envoy's admin cannot be reached.
   */
  async stopAccepting(): Promise<EnvoyAdmin> {
    this.stopping = true;
    const admin = EnvoyAdmin.fromAddressFile(this.adminAddressPath());
    await admin.stopAccepting();
    return admin;
  }

  /** Stops every Envoy (SIGTERM through its guardian) and waits for them to exit. */
  async stop(): Promise<void> {
    this.stopping = true;
    const exits = [...this.running].map((child) => new Promise((resolve) => child.once('exit', resolve)));
    for (const child of this.running) child.stdin?.destroy();
    await Promise.all(exits);
  }

  private adminAddressPath(): string {
    return join(this.options.dir, `admin-${this.epoch}.address`);
  }
}
