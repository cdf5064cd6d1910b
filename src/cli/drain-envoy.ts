import { rmSync, writeFileSync } from 'node:fs';
import { EnvoyAdmin } from '../envoy-admin';

/** What `aigw drain-envoy` is told. */
export interface DrainEnvoyOptions {
  /** Envoy's admin, HOST:PORT (loopback: the command runs in the pod beside Envoy). */
  readonly admin: string;
  /** Seconds Envoy still accepts connections (each told to close) while the Service's endpoints catch up. */
  readonly acceptSeconds: number;
  /** Seconds requests in flight get to finish once the listeners are closed. */
  readonly drainSeconds: number;
  /** Written when done (drained, deadline passed or Envoy unreachable): the Envoy container's preStop waits for it. */
  readonly doneFile?: string;
  readonly log: (line: string) => void;
}

/**
 * A Kubernetes pod's graceful stop, run as the aigw container's preStop hook (docs/kubernetes.md):
 * Envoy's health checks fail (the pod leaves the Service), Envoy starts draining (every open
 * connection is told to close) while still accepting for `acceptSeconds`, since endpoint removal
 * reaches every node's proxy a little later; then the listeners close (new connections are
 * refused) and requests in flight get up to `drainSeconds` to finish. aigw keeps serving their
 * ext_proc streams throughout: the kubelet sends it SIGTERM only once this returns.
 * Returns the requests still in flight at the end (0: drained).
 */
export async function drainEnvoy(options: DrainEnvoyOptions): Promise<number> {
  const admin = new EnvoyAdmin(`http://${options.admin}`);
  if (options.doneFile) rmSync(options.doneFile, { force: true });
  try {
    await admin.failHealthChecks();
    await admin.startDrain();
    options.log(`aigw drain-envoy: draining; accepting for ${options.acceptSeconds}s more`);
    await new Promise((resolve) => setTimeout(resolve, options.acceptSeconds * 1000));
    await admin.closeListeners();
    const left = await admin.waitUntilIdle(Date.now() + options.drainSeconds * 1000);
    options.log(left === 0 ? 'aigw drain-envoy: Envoy drained' : `aigw drain-envoy: drain deadline passed with ${left} requests in flight`);
    return left;
  } finally {
    if (options.doneFile) writeFileSync(options.doneFile, `${new Date().toISOString()}\n`);
  }
}
