import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Runs Envoy for `aigw up` and hot-restarts it when the rendered bootstrap changes: the new
 * Envoy (restart epoch n+1, same base id) takes the listening sockets from the old one, which
 * drains its connections and exits. Clients see no refused connection.
 */
export class EnvoySupervisor {
  private child: ChildProcess | undefined;
  private epoch = -1;
  private stopping = false;
  /** Envoy's hot-restart domain: unique per aigw process so two `aigw up` never meet. */
  private readonly baseId = process.pid % 1_000_000;

  constructor(
    private readonly binary: string,
    private readonly dir: string,
    /** Called when the current Envoy exits on its own (not during a hot restart or stop). */
    private readonly onUnexpectedExit: (code: number | null) => void,
    private readonly drainSeconds = 5,
  ) {}

  /** Starts Envoy on a bootstrap (epoch 0), or hot-restarts into a new one. */
  run(bootstrapYaml: string): void {
    this.epoch += 1;
    const path = join(this.dir, `envoy-${this.epoch}.yaml`);
    writeFileSync(path, bootstrapYaml);
    const args = ['-c', path, '--log-level', 'warn', '--base-id', String(this.baseId), '--restart-epoch', String(this.epoch), '--file-flush-interval-msec', '1000'];
    args.push('--drain-time-s', String(this.drainSeconds), '--parent-shutdown-time-s', String(this.drainSeconds + 5));
    const child = spawn(this.binary, args, { stdio: 'inherit' });
    this.child = child;
    child.on('exit', (code) => {
      if (!this.stopping && this.child === child) this.onUnexpectedExit(code);
    });
  }

  get restartEpoch(): number {
    return this.epoch;
  }

  /** Stops the current Envoy (SIGTERM) and waits for it. */
  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}
