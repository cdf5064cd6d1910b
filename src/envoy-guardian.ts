import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:os';

/**
 * A POSIX sh script that runs its arguments (the Envoy command line) and stops them when aigw
 * goes away. Its standard input is a pipe that aigw never writes to: `read` returns at the
 * pipe's end of file, which comes when aigw closes it (a planned stop) or when aigw dies,
 * SIGKILL included, since the kernel closes a dead process's descriptors. No native addon,
 * no Linux-only prctl.
 *
 * Envoy sets PR_SET_PDEATHSIG itself when hot restart is on, but that covers only an Envoy that
 * is aigw's direct child, on Linux, once Envoy got that far in starting: not an ENVOY_BIN
 * wrapper that does not exec (func-e, a start script), nor macOS.
 *
 * Stopping sends SIGTERM to the guardian's process group (aigw spawns it detached, so the group
 * is the guardian, the pipe watcher and Envoy, with a wrapper's child). The guardian ignores it
 * itself, waits for Envoy, and exits with Envoy's status, so aigw sees Envoy's exit.
 *
 * In the script: a background list's standard input is /dev/null (POSIX), so the watcher reads
 * the pipe on fd 3; `wait` returns early (above 128) when a trap runs, so it is called again
 * while Envoy still runs. Stopping signals the process group, never a pid that Envoy may have
 * left for another process to take.
 */
const GUARDIAN = `
exec 3<&0 </dev/null
"$@" 3<&- &
envoy=$!
stop() { trap '' TERM INT HUP; kill -TERM 0; }
trap stop TERM INT HUP
{ read -r _ <&3; kill -TERM $$; } &
watcher=$!
exec 3<&-
while :; do
  wait "$envoy"
  code=$?
  [ "$code" -gt 128 ] && kill -0 "$envoy" 2>/dev/null || break
done
kill "$watcher" 2>/dev/null
exit "$code"
`;

/**
 * Spawns `command args…` under the guardian. End the returned child's stdin (or let aigw die)
 * to stop it; its exit is Envoy's. Detached, so a terminal's Ctrl-C reaches aigw alone and
 * aigw decides when Envoy stops.
 */
export function spawnGuarded(command: string, args: string[]): ChildProcess {
  const child = spawn('/bin/sh', ['-c', GUARDIAN, 'aigw-envoy-guardian', command, ...args], { detached: true, stdio: ['pipe', 'inherit', 'inherit'] });
  // Nothing is ever written; a pipe already closed by the guardian's exit is not an error.
  child.stdin?.on('error', () => undefined);
  return child;
}

/** "exit code N" or "killed by SIGNAME", from a guardian's exit (a shell reports death by signal N as 128+N). */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `killed by ${signal}`;
  if (code !== null && code > 128) {
    const name = Object.entries(constants.signals).find(([, number]) => number === code - 128)?.[0];
    if (name) return `killed by ${name}`;
  }
  return `exit code ${code}`;
}
